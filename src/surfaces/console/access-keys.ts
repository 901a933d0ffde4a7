/**
 * The console's Access keys page (contract/extensions/access-keys.ts): the rules of
 * `wickr-admin keys` (auth/keys.ts: the key owner, its checks), for the caller's account, and
 * a key never grants more than it holds: the actions it allows, the networks it is limited to.
 * The CLI opens the database and is every account's operator; a console key is one account's.
 */
import type { Kysely } from 'kysely';
import {
  createKey,
  keyInfo,
  listKeys,
  newKeyProblems,
  revokeKey,
  type KeyInfo,
} from '../../auth/keys.js';
import { actionsBeyond, unknownActions } from '../../auth/policy.js';
import { badRequest, notFound, validationError, type Reason } from '../../contract/errors.js';
import type { Handler, Principal } from '../../domain/context.js';
import type { Database } from '../../store/schema.js';

/** A key limited to networks manages only keys limited to some of them (keys it could make). */
function withinScope(p: Principal, k: Pick<KeyInfo, 'accountId' | 'networks'>): boolean {
  if (k.accountId !== p.accountId) return false;
  if (!p.networks) return true;
  return k.networks !== null && k.networks.every((n) => p.networks!.includes(n));
}

const summary = (k: KeyInfo) => ({
  accessKeyId: k.accessKeyId,
  userName: k.userName,
  label: k.label,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
  networks: k.networks,
  actions: k.actions,
});

async function accountNetworks(db: Kysely<Database>, accountId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('networks')
    .select('network_id')
    .where('account_id', '=', accountId)
    .execute();
  return new Set(rows.map((r) => r.network_id));
}

export const ListAccessKeys: Handler<'ListAccessKeys'> = async (ctx) => {
  const keys = await listKeys(ctx.db, ctx.principal.accountId);
  return { accessKeys: keys.filter((k) => withinScope(ctx.principal, k)).map(summary) };
};

export const CreateAccessKey: Handler<'CreateAccessKey'> = async (ctx, input) => {
  const p = ctx.principal;
  const actions = input.actions.map((a) => a.trim());
  const networks =
    input.networks && input.networks.length > 0 ? [...new Set(input.networks)] : undefined;
  const wanted = {
    accountId: p.accountId,
    actions,
    ...(networks ? { networks } : {}),
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(input.userName !== undefined ? { userName: input.userName } : {}),
  };
  const reasons: Reason[] = newKeyProblems(wanted).map((r) => ({
    field: r.field,
    reason: r.reason,
  }));
  if (!reasons.some((r) => r.field === 'actions')) {
    const unknown = unknownActions(actions);
    if (unknown.length > 0) {
      reasons.push({
        field: 'actions',
        reason: `${unknown.join(', ')} allows no action of the server (e.g. wickr:ListUsers, wickr:Get*, wickr:*)`,
      });
    } else {
      const beyond = actionsBeyond(p.actionPattern, actions);
      if (beyond.length > 0) {
        reasons.push({
          field: 'actions',
          reason: `would allow ${beyond.slice(0, 5).join(', ')}${beyond.length > 5 ? ` and ${beyond.length - 5} more` : ''}, which access key ${p.accessKeyId} may not perform itself`,
        });
      }
    }
  }
  if (p.networks && !networks) {
    reasons.push({
      field: 'networks',
      reason: `access key ${p.accessKeyId} is limited to networks ${p.networks.join(', ')}: the new key must be limited to some of them`,
    });
  }
  if (networks) {
    const known = await accountNetworks(ctx.db, p.accountId);
    const foreign = networks.filter(
      (n) => !known.has(n) || (p.networks && !p.networks.includes(n)),
    );
    if (foreign.length > 0) {
      reasons.push({
        field: 'networks',
        reason: `${foreign.join(', ')} ${foreign.length === 1 ? 'is not a network' : 'are not networks'} this key may grant (networks of account ${p.accountId}${p.networks ? ` among ${p.networks.join(', ')}` : ''})`,
      });
    }
  }
  if (reasons.length > 0) throw validationError(reasons);
  const created = await createKey(ctx.db, wanted);
  const info = (await keyInfo(ctx.db, created.accessKeyId))!;
  return {
    accessKeyId: created.accessKeyId,
    secretAccessKey: created.secretAccessKey,
    accessKey: summary(info),
  };
};

export const RevokeAccessKey: Handler<'RevokeAccessKey'> = async (ctx, input) => {
  const p = ctx.principal;
  const key = await keyInfo(ctx.db, input.accessKeyId);
  // Another account's key, or one outside the caller's networks, is not its to see.
  if (!key || !withinScope(p, key)) {
    throw notFound(
      `There is no access key ${input.accessKeyId} that access key ${p.accessKeyId} may manage.`,
    );
  }
  if (key.accessKeyId === p.accessKeyId) {
    throw badRequest(
      `Access key ${p.accessKeyId} signed this session in: revoke it with another key (or wickr-admin keys revoke).`,
    );
  }
  if (key.revokedAt !== null) return { accessKey: summary(key), alreadyRevoked: true };
  await revokeKey(ctx.db, key.accessKeyId);
  return { accessKey: summary((await keyInfo(ctx.db, key.accessKeyId))!), alreadyRevoked: false };
};
