/** Access keys: created by the CLI or at bootstrap, read by the authenticator. */
import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccessKeyRow, Database } from '../store/schema.js';
import { normalizeActions } from './policy.js';

export interface NewKey {
  accountId: string;
  actions?: readonly string[];
  networks?: readonly string[];
  label?: string;
  /** The owner's name, as an IAM user's; "root" (account-level key) when not given. */
  userName?: string;
  /** Given by the operator (root bootstrap); generated otherwise. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface KeyInfo {
  accessKeyId: string;
  accountId: string;
  actions: string[];
  networks: string[] | null;
  label: string | null;
  userName: string;
  createdAt: string;
  revokedAt: string | null;
  /** To the minute (KeyUse); null when not used since the server began recording it. */
  lastUsedAt: string | null;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function generateAccessKeyId(): string {
  let id = 'AKIA';
  for (let i = 0; i < 16; i++) id += ALNUM[randomInt(ALNUM.length)];
  return id;
}

export function generateSecret(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/** IAM's user name rule: 1-64 of letters, digits and + = , . @ _ - */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;
export const ROOT_USER_NAME = 'root';

export function assertUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new Error(
      `User name "${name}" must be 1-64 letters, digits or + = , . @ _ - (as IAM user names).`,
    );
  }
}

export function assertAccountId(accountId: string): void {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`Account ID "${accountId}" must be 12 digits.`);
}

/**
 * What a key may do unless told otherwise (the root key, `wickr-admin keys create` without
 * --actions): every Wickr operation and the server's own, and reading the account's trail
 * with CloudTrail's LookupEvents (an action of another service, so `wickr:*` leaves it out).
 */
export const FULL_ACTIONS: readonly string[] = ['wickr:*', 'cloudtrail:LookupEvents'];

/** What is wrong with a new key's fields, each by the field it concerns ([] when nothing). */
export function newKeyProblems(k: NewKey): { field: keyof NewKey; reason: string }[] {
  const problems: { field: keyof NewKey; reason: string }[] = [];
  const check = (field: keyof NewKey, f: () => unknown) => {
    try {
      f();
    } catch (e) {
      problems.push({ field, reason: (e as Error).message });
    }
  };
  check('accountId', () => assertAccountId(k.accountId));
  if (k.userName !== undefined) check('userName', () => assertUserName(k.userName!));
  check('actions', () => normalizeActions(k.actions ?? FULL_ACTIONS));
  for (const n of k.networks ?? []) {
    if (!/^\d{8}$/.test(n))
      problems.push({ field: 'networks', reason: `Network ID "${n}" must be 8 digits.` });
  }
  return problems;
}

export async function createKey(db: Kysely<Database>, k: NewKey) {
  const [problem] = newKeyProblems(k);
  if (problem) throw new Error(problem.reason);
  const actions = normalizeActions(k.actions ?? FULL_ACTIONS);
  const row = {
    access_key_id: k.accessKeyId ?? generateAccessKeyId(),
    secret_access_key: k.secretAccessKey ?? generateSecret(),
    account_id: k.accountId,
    actions: JSON.stringify(actions),
    networks: k.networks && k.networks.length > 0 ? JSON.stringify(k.networks) : null,
    label: k.label ?? null,
    user_name: k.userName ?? ROOT_USER_NAME,
    created_at: Date.now(),
    revoked_at: null,
    last_used_at: null,
  };
  await db.insertInto('access_keys').values(row).execute();
  return {
    accessKeyId: row.access_key_id,
    secretAccessKey: row.secret_access_key,
    accountId: row.account_id,
  };
}

/**
 * Makes sure the operator's root key exists with full permissions. Idempotent: an existing key
 * with the same ID is brought back to the given secret, account and FULL_ACTIONS.
 */
export async function ensureKey(
  db: Kysely<Database>,
  k: Required<Pick<NewKey, 'accountId' | 'accessKeyId' | 'secretAccessKey'>>,
): Promise<void> {
  assertAccountId(k.accountId);
  const existing = await findKey(db, k.accessKeyId);
  if (!existing) {
    await createKey(db, { ...k, label: 'root' });
    return;
  }
  await db
    .updateTable('access_keys')
    .set({
      secret_access_key: k.secretAccessKey,
      account_id: k.accountId,
      actions: JSON.stringify(FULL_ACTIONS),
      networks: null,
      revoked_at: null,
    })
    .where('access_key_id', '=', k.accessKeyId)
    .execute();
}

export async function findKey(db: Kysely<Database>, id: string): Promise<AccessKeyRow | undefined> {
  return db
    .selectFrom('access_keys')
    .selectAll()
    .where('access_key_id', '=', id)
    .executeTakeFirst();
}

export async function countKeys(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('access_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every key, or one account's, oldest first (the CLI lists all; the console its account's). */
export async function listKeys(db: Kysely<Database>, accountId?: string): Promise<KeyInfo[]> {
  let q = db.selectFrom('access_keys').selectAll();
  if (accountId !== undefined) q = q.where('account_id', '=', accountId);
  const rows = await q.orderBy('created_at').orderBy('access_key_id').execute();
  return rows.map(toInfo);
}

/** One key as lists show it, or undefined. */
export async function keyInfo(db: Kysely<Database>, id: string): Promise<KeyInfo | undefined> {
  const row = await findKey(db, id);
  return row ? toInfo(row) : undefined;
}

export async function revokeKey(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db
    .updateTable('access_keys')
    .set({ revoked_at: Date.now() })
    .where('access_key_id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

function toInfo(r: AccessKeyRow): KeyInfo {
  return {
    accessKeyId: r.access_key_id,
    accountId: r.account_id,
    actions: JSON.parse(r.actions) as string[],
    networks: r.networks ? (JSON.parse(r.networks) as string[]) : null,
    label: r.label,
    userName: r.user_name,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    revokedAt: r.revoked_at ? new Date(Number(r.revoked_at)).toISOString() : null,
    lastUsedAt: r.last_used_at ? new Date(Number(r.last_used_at)).toISOString() : null,
  };
}

/** How finely "last used" is kept: one write per key per this long, per server. */
export const KEY_USE_RESOLUTION_MS = 60_000;

/**
 * Records when keys are used, cheaply: an authenticated request notes its key, and a key is
 * written at most once a minute per server (not awaited; a lost write is retried by the next
 * request, a minute's precision is all the Access keys page shows). Never moves backwards,
 * whichever replica writes last.
 */
export class KeyUse {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  note(accessKeyId: string): void {
    const now = this.now();
    const last = this.written.get(accessKeyId);
    if (last !== undefined && now - last < KEY_USE_RESOLUTION_MS) return;
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(accessKeyId, now);
    this.db
      .updateTable('access_keys')
      .set({ last_used_at: now })
      .where('access_key_id', '=', accessKeyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
      .execute()
      .catch(() => this.written.delete(accessKeyId));
  }
}

/**
 * Deletes access keys, all or one account's (the test controls' reset), never the server's
 * root key: the one named by `keep` (it was started with) or the one labelled root (it
 * created for itself at first start).
 */
export async function deleteKeys(
  db: Kysely<Database>,
  options: { accountId?: string; keep?: string },
): Promise<void> {
  let k = db.deleteFrom('access_keys');
  if (options.accountId !== undefined) k = k.where('account_id', '=', options.accountId);
  if (options.keep) k = k.where('access_key_id', '!=', options.keep);
  k = k.where((eb) => eb.or([eb('label', 'is', null), eb('label', '!=', 'root')]));
  await k.execute();
}
