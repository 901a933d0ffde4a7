/**
 * The `scim` authentication scheme: `Authorization: Bearer <token>`, a token made for one
 * network (domain/owners/scim-tokens.ts). It proves a principal of the network's account and
 * region that may run the SCIM operations (`wickr:Scim*`) on that network only: the policy
 * step refuses any other network (403), as it does for a key limited to networks. Looked up on
 * every request (one indexed read), so a revoked token stops working at once.
 */
import type { Kysely } from 'kysely';
import { unauthorized } from '../contract/errors.js';
import type { Principal } from '../domain/context.js';
import { findScimToken } from '../domain/owners/scim-tokens.js';
import type { Database } from '../store/schema.js';
import { compileActions } from './policy.js';

/** What a SCIM token may do: the SCIM operations, nothing of the Admin API directly. */
export const SCIM_ACTIONS = ['wickr:Scim*'] as const;
const SCIM_PATTERN = compileActions(SCIM_ACTIONS);

export function scimAuthenticator(db: Kysely<Database>) {
  return async (req: { headers: Record<string, string | string[] | undefined> }) => {
    const header = req.headers['authorization'];
    const given = /^Bearer\s+(\S+)\s*$/i.exec(typeof header === 'string' ? header : '')?.[1];
    if (!given) {
      throw unauthorized(
        "SCIM requests need the network's bearer token (Authorization: Bearer <token>).",
      );
    }
    const token = await findScimToken(db, given);
    if (!token) throw unauthorizedToken();
    const principal: Principal = {
      accountId: token.account_id,
      region: token.region,
      // Audit records and log lines name the token by its ID (never the token itself).
      accessKeyId: token.token_id,
      userName: 'scim',
      actions: SCIM_ACTIONS,
      actionPattern: SCIM_PATTERN,
      networks: [token.network_id],
    };
    return principal;
  };
}

const unauthorizedToken = () =>
  unauthorized('The bearer token is not a SCIM token in force (unknown or revoked).');
