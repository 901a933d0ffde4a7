/**
 * The scim_tokens table's owner (migration 018): the bearer tokens an identity provider
 * provisions one network with (docs/scim.md). A token is shown once, when it is made; only its
 * SHA-256 is stored, so a copy of the database hands out no working token. Revoking keeps the
 * row (its ID stays in the audit records that name it).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ScimTokenRow } from '../../store/schema.js';

type Db = Kysely<Database>;

/** What every token starts with: recognisable in a leaked log or a secret scanner. */
export const SCIM_TOKEN_PREFIX = 'wickr-scim-';

export const hashScimToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface NewScimToken {
  tokenId: string;
  networkId: string;
  /** The bearer token itself: returned here only, never stored. */
  token: string;
  label?: string;
  createdAt: number;
}

/** Makes a token for a network (which must exist). */
export async function createScimToken(
  db: Db,
  networkId: string,
  now: number,
  label?: string,
): Promise<NewScimToken> {
  const tokenId = `scim-${randomBytes(6).toString('hex')}`;
  const token = `${SCIM_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('scim_tokens')
    .values({
      token_id: tokenId,
      network_id: networkId,
      token_hash: hashScimToken(token),
      label: label ?? null,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  return { tokenId, networkId, token, ...(label ? { label } : {}), createdAt: now };
}

/** The tokens (never their secrets), of one network or of all, oldest first. */
export async function listScimTokens(db: Db, networkId?: string): Promise<ScimTokenRow[]> {
  let q = db.selectFrom('scim_tokens').selectAll().orderBy('created_at').orderBy('token_id');
  if (networkId !== undefined) q = q.where('network_id', '=', networkId);
  return q.execute();
}

/** Revokes a token; false when there is no such token still in force. */
export async function revokeScimToken(db: Db, tokenId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('scim_tokens')
    .set({ revoked_at: now })
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The token in force with this secret, with its network's account and region. */
export async function findScimToken(db: Db, token: string) {
  return db
    .selectFrom('scim_tokens as t')
    .innerJoin('networks as n', 'n.network_id', 't.network_id')
    .select(['t.token_id', 't.network_id', 'n.account_id', 'n.region'])
    .where('t.token_hash', '=', hashScimToken(token))
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst();
}
