/**
 * Reading SCIM request bodies: each value checked where it is read, so that a wrong one is a
 * SCIM 400 `invalidValue` naming the attribute (RFC 7644 3.12), and nothing has changed yet.
 */
import { invalidSyntax, invalidValue, ScimError } from '../../contract/scim-errors.js';
import type { Reason } from '../../contract/errors.js';
import { checkUsername } from '../member-identity.js';
import { PATCH_SCHEMA, type Json } from './resources.js';

/** The longest name, external ID or display name kept. */
const MAX_TEXT = 256;

export function asObject(value: unknown, what: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidSyntax(`The request body must be a JSON object (a SCIM ${what}).`);
  }
  return value as Json;
}

/** A member by its name, case-insensitively (SCIM attribute names are). */
export function member(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const lc = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lc) return o[k];
  return undefined;
}

function text(value: unknown, attribute: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalidValue(attribute, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw invalidValue(attribute, 'must be a string');
  if (value.length > MAX_TEXT)
    throw invalidValue(attribute, `must be at most ${MAX_TEXT} characters long`);
  return value;
}

/**
 * A boolean, or its string form: Entra ID sends `"active": "False"` in a PatchOp (any case is
 * read).
 */
export function booleanValue(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  throw invalidValue(attribute, 'must be true or false');
}

/** What a SCIM User asks a Wickr user to be. */
export interface UserState {
  userName: string;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  externalId: string | null;
}

/** A SCIM User (a POST's or PUT's body, or a user patched) as the state it asks for. */
export function readUser(body: unknown): UserState {
  const o = asObject(body, 'User');
  const userName = text(member(o, 'userName'), 'userName', true)!;
  const reasons: Reason[] = [];
  checkUsername('userName', userName, reasons);
  if (reasons[0]) throw invalidValue('userName', reasons[0].reason);
  const name = member(o, 'name');
  if (name !== undefined && name !== null && (typeof name !== 'object' || Array.isArray(name))) {
    throw invalidValue('name', 'must be a complex attribute (an object)');
  }
  const n = (name ?? {}) as Json;
  const emails = member(o, 'emails');
  if (emails !== undefined && emails !== null && !Array.isArray(emails)) {
    throw invalidValue('emails', 'must be a list');
  }
  const active = member(o, 'active');
  return {
    userName,
    givenName: text(member(n, 'givenName'), 'name.givenName', false) ?? null,
    familyName: text(member(n, 'familyName'), 'name.familyName', false) ?? null,
    active: active === undefined || active === null ? true : booleanValue(active, 'active'),
    externalId: text(member(o, 'externalId'), 'externalId', false) ?? null,
  };
}

export interface GroupState {
  displayName: string;
  /** The members' user IDs; undefined when the body leaves them unsaid (a PUT may). */
  members: string[] | undefined;
}

/** A SCIM Group (a POST's or PUT's body, or a group patched) as the state it asks for. */
export function readGroup(body: unknown): GroupState {
  const o = asObject(body, 'Group');
  const displayName = text(member(o, 'displayName'), 'displayName', true)!;
  if (displayName.trim() === '') throw invalidValue('displayName', 'must not be empty');
  const members = member(o, 'members');
  if (members === undefined || members === null) return { displayName, members: undefined };
  if (!Array.isArray(members)) throw invalidValue('members', 'must be a list');
  const ids = members.map((m, i) => {
    const v = m && typeof m === 'object' ? member(m as Json, 'value') : undefined;
    if (typeof v !== 'string' || !/^[0-9]{1,10}$/.test(v)) {
      throw invalidValue(`members[${i}].value`, "must be a user's id");
    }
    return String(Number(v));
  });
  return { displayName, members: [...new Set(ids)] };
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

/**
 * A PatchOp body's operations (RFC 7644 3.5.2), with the forms Okta and Entra ID send: `op`
 * in any case (`"Replace"`), a path-less `value` map.
 */
export function readPatch(body: unknown): PatchOperation[] {
  const o = asObject(body, 'PatchOp');
  const schemas = member(o, 'schemas');
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA)) {
    throw invalidValue('schemas', `must list ${PATCH_SCHEMA}`);
  }
  const ops = member(o, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) {
    throw invalidValue('Operations', 'must list at least one operation');
  }
  return ops.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw invalidValue(`Operations[${i}]`, 'must be an object');
    }
    const r = raw as Json;
    const op = member(r, 'op');
    const lc = typeof op === 'string' ? op.toLowerCase() : '';
    if (lc !== 'add' && lc !== 'remove' && lc !== 'replace') {
      throw invalidValue(`Operations[${i}].op`, 'must be add, remove or replace');
    }
    const path = member(r, 'path');
    if (path !== undefined && typeof path !== 'string') {
      throw new ScimError(400, 'invalidPath', `Operations[${i}].path must be a string`);
    }
    if (lc === 'remove' && path === undefined) {
      throw new ScimError(400, 'noTarget', `Operations[${i}]: a remove needs a path`);
    }
    const value = member(r, 'value');
    if (lc !== 'remove' && value === undefined) {
      throw invalidValue(`Operations[${i}].value`, 'is required for add and replace');
    }
    return {
      op: lc,
      ...(path !== undefined ? { path } : {}),
      ...(value !== undefined ? { value } : {}),
    };
  });
}
