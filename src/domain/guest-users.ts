/**
 * Guest users: people of other (federated) networks who talk to this network's users. Their
 * activity is reported through the unsigned client endpoint and counted once per guest and
 * billing period (a UTC calendar month); administrators list them, see monthly counts and
 * block or unblock them. A guest is identified by its username hash, the network's keyed hash
 * of the lowercased username (the same function as a member's uname).
 */
import { badRequest, forbidden, notFound, validationError } from '../contract/errors.js';
import { containsFolded, listPage, sortKeyset } from './common.js';
import type { Handler } from './context.js';
import type { SystemCtx } from './registration.js';
import {
  blockGuest,
  newGuest,
  newGuestBlock,
  recordGuestSeen,
  unblockGuest,
} from './owners/guests.js';

const DAY_MS = 86_400_000;
/** GetGuestUserHistoryCount covers the months that overlap the last 90 days. */
export const HISTORY_DAYS = 90;
const BILLING_PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The billing period (YYYY-MM, UTC) of an instant. */
export function billingPeriodOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Billing periods from the one containing `fromMs` to the one containing `toMs`, oldest first. */
export function periodsBetween(fromMs: number, toMs: number): string[] {
  const from = new Date(fromMs);
  const to = new Date(toMs);
  const out: string[] = [];
  let y = from.getUTCFullYear();
  let m = from.getUTCMonth();
  while (y < to.getUTCFullYear() || (y === to.getUTCFullYear() && m <= to.getUTCMonth())) {
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (++m === 12) {
      m = 0;
      y++;
    }
  }
  return out;
}

const usernameContains = (s: string) => containsFolded('username_lc', s);

// ---------- the client endpoint ----------

export interface GuestActivity {
  networkId: string;
  username: string;
  usernameHash: string;
  billingPeriod: string;
}

/** Counts a guest in the current billing period, unless the network has blocked it. */
export async function recordGuestActivity(
  ctx: SystemCtx,
  networkId: string,
  username: string,
): Promise<GuestActivity> {
  return ctx.db.transaction().execute(async (trx) => {
    const network = await trx
      .selectFrom('networks')
      .select(['network_id', 'uname_key'])
      .where('network_id', '=', networkId)
      .executeTakeFirst();
    if (!network) throw notFound(`Network ${networkId} was not found.`);
    const usernameLc = username.toLowerCase();
    const member = await trx
      .selectFrom('members')
      .select('member_id')
      .where('network_id', '=', networkId)
      .where('username_lc', '=', usernameLc)
      .executeTakeFirst();
    if (member) {
      throw badRequest(`${username} is an account of network ${networkId}, not a guest.`);
    }
    const now = ctx.services.now();
    const billingPeriod = billingPeriodOf(now);
    const seen = newGuest(network, username, billingPeriod, now);
    const usernameHash = seen.username_hash;
    const blocked = await trx
      .selectFrom('guest_blocks')
      .select('username_hash')
      .where('network_id', '=', networkId)
      .where('username_hash', '=', usernameHash)
      .executeTakeFirst();
    if (blocked) throw forbidden(`The guest user ${username} is blocked in network ${networkId}.`);
    await recordGuestSeen(trx, seen);
    await ctx.record?.(trx);
    return { networkId, username, usernameHash, billingPeriod };
  });
}

// ---------- Admin API ----------

export const ListGuestUsers: Handler<'ListGuestUsers'> = async (ctx, input) => {
  if (input.billingPeriod !== undefined && !BILLING_PERIOD.test(input.billingPeriod)) {
    throw validationError([
      { field: 'billingPeriod', reason: 'must be a month in the form YYYY-MM, e.g. 2024-01' },
    ]);
  }
  const keyset = sortKeyset(
    input,
    { username: 'username_lc', billingPeriod: 'billing_period' },
    ['billingPeriod'],
    'username_hash',
  );
  // (username_hash, billing_period) is the unique key within a network.
  if (!keyset.exprs.includes('billing_period')) keyset.exprs.push('billing_period');
  let qb = ctx.db.selectFrom('guest_users').selectAll().where('network_id', '=', input.networkId);
  if (input.billingPeriod !== undefined) qb = qb.where('billing_period', '=', input.billingPeriod);
  if (input.username !== undefined) {
    qb = qb.where(usernameContains(input.username));
  }
  const scope = `ListGuestUsers|${input.networkId}|${JSON.stringify([input.username, input.billingPeriod])}`;
  const page = await listPage(ctx, scope, qb, keyset, input);
  return {
    guestlist: page.rows.map((r) => ({
      billingPeriod: r.billing_period,
      username: r.username,
      usernameHash: r.username_hash,
    })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const GetGuestUserHistoryCount: Handler<'GetGuestUserHistoryCount'> = async (ctx, input) => {
  const now = ctx.services.now();
  const periods = periodsBetween(now - HISTORY_DAYS * DAY_MS, now);
  const counts = await ctx.db
    .selectFrom('guest_users')
    .select(['billing_period', (eb) => eb.fn.countAll<number>().as('n')])
    .where('network_id', '=', input.networkId)
    .where('billing_period', 'in', periods)
    .groupBy('billing_period')
    .execute();
  const byPeriod = new Map(counts.map((c) => [c.billing_period, Number(c.n)]));
  return {
    // The model documents months as YYYY_MM (e.g. 2024_01), unlike billing periods.
    history: periods.map((p) => ({
      month: p.replace('-', '_'),
      count: String(byPeriod.get(p) ?? 0),
    })),
  };
};

export const UpdateGuestUser: Handler<'UpdateGuestUser'> = async (ctx, input) => {
  const guest = await ctx.db
    .selectFrom('guest_users')
    .select('username')
    .where('network_id', '=', input.networkId)
    .where('username_hash', '=', input.usernameHash)
    .orderBy('last_seen', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!guest) {
    throw notFound(
      `No guest user with username hash ${input.usernameHash} has been seen in network ${input.networkId}.`,
    );
  }
  const existing = await ctx.db
    .selectFrom('guest_blocks')
    .select('username_hash')
    .where('network_id', '=', input.networkId)
    .where('username_hash', '=', input.usernameHash)
    .executeTakeFirst();
  if (input.block) {
    if (existing) return { message: `Guest user ${guest.username} is already blocked.` };
    await blockGuest(
      ctx.db,
      newGuestBlock(
        {
          network_id: input.networkId,
          username_hash: input.usernameHash,
          username: guest.username,
        },
        ctx.principal.userName,
        ctx.services.now(),
      ),
    );
    return { message: `Guest user ${guest.username} blocked.` };
  }
  if (!existing) return { message: `Guest user ${guest.username} was not blocked.` };
  await unblockGuest(ctx.db, input.networkId, input.usernameHash);
  return { message: `Guest user ${guest.username} unblocked.` };
};

export const ListBlockedGuestUsers: Handler<'ListBlockedGuestUsers'> = async (ctx, input) => {
  const keyset = sortKeyset(
    input,
    { username: 'username_lc', admin: 'admin', modified: 'modified' },
    ['modified'],
    'username_hash',
  );
  let qb = ctx.db.selectFrom('guest_blocks').selectAll().where('network_id', '=', input.networkId);
  if (input.username !== undefined) {
    qb = qb.where(usernameContains(input.username));
  }
  if (input.admin !== undefined) qb = qb.where('admin', '=', input.admin);
  const scope = `ListBlockedGuestUsers|${input.networkId}|${JSON.stringify([input.username, input.admin])}`;
  const page = await listPage(ctx, scope, qb, keyset, input);
  return {
    blocklist: page.rows.map((r) => ({
      username: r.username,
      admin: r.admin,
      modified: new Date(Number(r.modified)).toISOString(),
      usernameHash: r.username_hash,
    })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};
