/**
 * Finding a network's security groups: the reads that bots, users, user batches and the
 * data-retention bot share with the security-group operations (security-groups.ts).
 */
import { notFound } from '../contract/errors.js';
import type { Ctx } from './context.js';

export async function findGroup(ctx: Pick<Ctx, 'db'>, networkId: string, groupId: string) {
  return ctx.db
    .selectFrom('security_groups')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
}

export async function requireGroup(ctx: Pick<Ctx, 'db'>, networkId: string, groupId: string) {
  const g = await findGroup(ctx, networkId, groupId);
  if (!g) throw notFound(`Security group ${groupId} was not found in network ${networkId}.`);
  return g;
}

export async function defaultGroupId(ctx: Pick<Ctx, 'db'>, networkId: string): Promise<string> {
  const g = await ctx.db
    .selectFrom('security_groups')
    .select('group_id')
    .where('network_id', '=', networkId)
    .where('is_default', '=', 1)
    .executeTakeFirstOrThrow();
  return g.group_id;
}

/** Which of `ids` are security groups of the network (for per-item failures). */
export async function existingGroups(
  ctx: Pick<Ctx, 'db'>,
  networkId: string,
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom('security_groups')
    .select('group_id')
    .where('network_id', '=', networkId)
    .where('group_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.group_id));
}
