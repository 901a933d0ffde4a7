/**
 * RFC 7644 PatchOp applied by scim-patch: the resource as it is, patched, is then read as the
 * state it asks for, exactly as a PUT's body (values.ts), and that state applied. So a PATCH
 * and a PUT share every rule, and a PatchOp Okta or Entra ID sends (path-less value maps,
 * `"Replace"`, `members[value eq "…"]` filters) is read by a maintained implementation.
 */
import { scimPatch, ScimError as PatchError, type ScimPatchOperation } from 'scim-patch';
import { ScimError, type ScimType } from '../../contract/scim-errors.js';
import type { Json } from './resources.js';
import type { PatchOperation } from './values.js';

/**
 * Entra ID removes members as `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`:
 * scim-patch would remove only members equal to those objects in whole (ours carry `display`
 * and `$ref` too), so each is read as what it means, `members[value eq "<id>"]`.
 */
function byValueFilter(op: PatchOperation): PatchOperation[] {
  if (op.op !== 'remove' || op.path === undefined || /[[.]/.test(op.path)) return [op];
  if (!Array.isArray(op.value)) return [op];
  const values = op.value.map((v: unknown) =>
    v && typeof v === 'object' ? (v as Json)['value'] : undefined,
  );
  if (!values.every((v): v is string => typeof v === 'string')) return [op];
  return values.map((v) => ({ op: 'remove', path: `${op.path!}[value eq ${JSON.stringify(v)}]` }));
}

/**
 * The operations on attributes this server stores (`mapped`, lower-cased roots), with a core
 * schema's URN prefix taken off their paths. The others (Entra ID's `emails[type eq
 * "work"].value`, phone numbers, the enterprise extension, ...) are accepted and not stored
 * (docs/scim.md), as they are in a POST or PUT: scim-patch would refuse some of them against
 * what the resource lacks (an empty `emails`).
 */
export function onlyMapped(
  operations: PatchOperation[],
  schema: string,
  mapped: ReadonlySet<string>,
): PatchOperation[] {
  const out: PatchOperation[] = [];
  for (const op of operations) {
    if (op.path === undefined) {
      out.push(op);
      continue;
    }
    const path = op.path.toLowerCase().startsWith(`${schema.toLowerCase()}:`)
      ? op.path.slice(schema.length + 1)
      : op.path;
    const root = /^[^[.]*/.exec(path)![0].toLowerCase();
    if (mapped.has(root)) out.push({ ...op, path });
  }
  return out;
}

/** `resource` with `operations` applied (a copy: the resource given is left as it is). */
export function applyPatch(resource: Json, operations: PatchOperation[]): Json {
  const copy = structuredClone(resource) as Json & { schemas: string[] };
  try {
    return scimPatch(copy as never, operations.flatMap(byValueFilter) as ScimPatchOperation[], {
      mutateDocument: true,
      treatMissingAsAdd: true,
    });
  } catch (e) {
    if (e instanceof PatchError) {
      const type = (e.scimCode ?? 'invalidValue') as ScimType;
      throw new ScimError(400, type, `The PatchOp cannot be applied: ${e.message}`);
    }
    throw e;
  }
}
