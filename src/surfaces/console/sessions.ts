/**
 * Console sessions: an access key signs in once and gets a random token in an HttpOnly cookie.
 * Rows live in the database (any replica serves any request); only the token's SHA-256 is kept.
 * Every request re-reads the key, so a revoked key or a narrowed policy applies at once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { compileActions } from '../../auth/policy.js';
import type { Principal } from '../../domain/context.js';
import { findKey } from '../../auth/keys.js';
import type { Database } from '../../store/schema.js';

/** A session lasts this long from sign-in, whatever the activity (an admin tool: short). */
export const SESSION_TTL_MS = 8 * 3_600_000;

export interface Session {
  principal: Principal;
  csrfToken: string;
  expiresAt: number;
}

export type SessionLookup =
  { ok: true; session: Session } | { ok: false; reason: 'none' | 'expired' | 'revoked' };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function sameSecret(a: string, b: string): boolean {
  // Compare digests: equal lengths, and no early exit that would time the secret.
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  );
}

function principalOf(
  row: {
    account_id: string;
    access_key_id: string;
    user_name: string;
    actions: string;
    networks: string | null;
  },
  region: string,
): Principal {
  const actions = JSON.parse(row.actions) as string[];
  return {
    accountId: row.account_id,
    accessKeyId: row.access_key_id,
    userName: row.user_name,
    region,
    actions,
    actionPattern: compileActions(actions),
    ...(row.networks ? { networks: JSON.parse(row.networks) as string[] } : {}),
  };
}

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  /** Checks a key pair; the principal on success, or why not (wrong and revoked differ). */
  async verify(
    accessKeyId: string,
    secret: string,
    region: string,
  ): Promise<{ principal: Principal } | { refused: 'wrong' | 'revoked' }> {
    const row = await findKey(this.db, accessKeyId);
    // A missing key still costs a comparison, so timing does not tell which part was wrong.
    const ok = sameSecret(row?.secret_access_key ?? '\0', secret) && row !== undefined;
    if (!ok || !row) return { refused: 'wrong' };
    if (row.revoked_at !== null) return { refused: 'revoked' };
    return { principal: principalOf(row, region) };
  }

  async create(principal: Principal): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.db
      .insertInto('console_sessions')
      .values({
        token_hash: hashToken(token),
        access_key_id: principal.accessKeyId,
        region: principal.region,
        csrf_token: csrfToken,
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
    // Expired sessions go on sign-in: no timer, and the table stays as small as its users.
    await this.db.deleteFrom('console_sessions').where('expires_at', '<', now).execute();
    return { token, session: { principal, csrfToken, expiresAt } };
  }

  async resolve(token: string): Promise<SessionLookup> {
    const row = await this.db
      .selectFrom('console_sessions as s')
      .innerJoin('access_keys as k', 'k.access_key_id', 's.access_key_id')
      .select([
        's.token_hash',
        's.region',
        's.csrf_token',
        's.expires_at',
        'k.access_key_id',
        'k.account_id',
        'k.user_name',
        'k.actions',
        'k.networks',
        'k.revoked_at',
      ])
      .where('s.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'none' };
    if (row.revoked_at !== null || Number(row.expires_at) <= this.now()) {
      await this.end(token);
      return { ok: false, reason: row.revoked_at !== null ? 'revoked' : 'expired' };
    }
    return {
      ok: true,
      session: {
        principal: principalOf(row, row.region),
        csrfToken: row.csrf_token,
        expiresAt: Number(row.expires_at),
      },
    };
  }

  async end(token: string): Promise<void> {
    await this.db
      .deleteFrom('console_sessions')
      .where('token_hash', '=', hashToken(token))
      .execute();
  }
}

export const csrfMatches = (expected: string, given: string | undefined) =>
  given !== undefined && given.length > 0 && sameSecret(expected, given);
