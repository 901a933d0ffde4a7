/**
 * The SCIM tokens as operations (ListScimTokens, CreateScimToken, RevokeScimToken): what the
 * console's SCIM page and a signed caller use, beside `wickr-admin scim token`. A key may
 * manage the tokens of its account's networks only (the pipeline's tenancy step).
 */
import { notFound } from '../../contract/errors.js';
import type { Handler } from '../context.js';
import { epochSeconds } from '../common.js';
import { createScimToken, listScimTokens, revokeScimToken } from '../owners/scim-tokens.js';
import { baseUrl } from './resources.js';

export const ListScimTokens: Handler<'ListScimTokens'> = async (ctx, input) => {
  const rows = await listScimTokens(ctx.db, input.networkId);
  return {
    tokens: rows.map((r) => ({
      tokenId: r.token_id,
      networkId: r.network_id,
      ...(r.label !== null ? { label: r.label } : {}),
      createdAt: epochSeconds(Number(r.created_at)),
      ...(r.revoked_at !== null ? { revokedAt: epochSeconds(Number(r.revoked_at)) } : {}),
    })),
  };
};

export const CreateScimToken: Handler<'CreateScimToken'> = async (ctx, input) => {
  const made = await createScimToken(ctx.db, input.networkId, ctx.services.now(), input.label);
  return {
    tokenId: made.tokenId,
    networkId: made.networkId,
    token: made.token,
    baseUrl: baseUrl(ctx, made.networkId),
  };
};

export const RevokeScimToken: Handler<'RevokeScimToken'> = async (ctx, input) => {
  const token = (await listScimTokens(ctx.db, input.networkId)).find(
    (t) => t.token_id === input.tokenId && t.revoked_at === null,
  );
  if (!token) {
    throw notFound(`No SCIM token ${input.tokenId} in force in network ${input.networkId}.`);
  }
  await revokeScimToken(ctx.db, input.tokenId, ctx.services.now());
  return { tokenId: input.tokenId, revoked: true };
};
