/**
 * The console's Dashboard (contract/extensions/dashboard.ts): a network's figures, each one
 * SQL aggregate over its rows on either engine (GROUP BY on the network's index), never a
 * count made in memory from a page of rows. The statuses are GetUsersCount's (a pending user
 * with a declined invitation is declined), with the suspended counted across them.
 */
import { sql, type RawBuilder } from 'kysely';
import { REGISTRATION_DAYS, STALE_INVITATION_DAYS } from '../../contract/extensions/dashboard.js';
import type { Handler } from '../../domain/context.js';
import { MEMBER_STATUS } from '../../domain/owners/members.js';

const DAY_MS = 86_400_000;

/** The invitations' age buckets: [label, up to this many days old (exclusive)]. */
const AGE_BUCKETS: readonly [string, number][] = [
  ['under 1 day', 1],
  [`1 to ${STALE_INVITATION_DAYS} days`, STALE_INVITATION_DAYS],
  [`${STALE_INVITATION_DAYS} to 30 days`, 30],
  ['over 30 days', Infinity],
];

export const GetNetworkDashboard: Handler<'GetNetworkDashboard'> = async (ctx, input) => {
  const db = ctx.db;
  const networkId = input.networkId;
  const now = ctx.services.now();
  const users = () =>
    db.selectFrom('members').where('network_id', '=', networkId).where('kind', '=', 'user');

  const byStatus = await users()
    .select((eb) => [
      'status',
      eb.case().when('invite_declined_at', 'is not', null).then(1).else(0).end().as('declined'),
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('suspended').as('suspended'),
    ])
    .groupBy(['status', 'declined'])
    .execute();
  const counts = { active: 0, pending: 0, declined: 0, suspended: 0 };
  for (const r of byStatus) {
    const n = Number(r.n);
    if (r.status === MEMBER_STATUS.ACTIVE) counts.active += n;
    else if (Number(r.declined) === 1) counts.declined += n;
    else counts.pending += n;
    counts.suspended += Number(r.suspended ?? 0);
  }

  // UTC days, numbered from the epoch: integer division on both engines (bigint / integer).
  const today = Math.floor(now / DAY_MS);
  const firstDay = today - REGISTRATION_DAYS + 1;
  const dayOf = sql<number>`registered_at / ${sql.lit(DAY_MS)}`;
  const registered = await users()
    .select([dayOf.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('registered_at', '>=', firstDay * DAY_MS)
    .groupBy('day')
    .execute();
  const perDay = new Map(registered.map((r) => [Number(r.day), Number(r.n)]));
  const registrations = [];
  for (let d = firstDay; d <= today; d++) {
    registrations.push({
      day: new Date(d * DAY_MS).toISOString().slice(0, 10),
      count: perDay.get(d) ?? 0,
    });
  }

  const devices = await db
    .selectFrom('devices')
    .select(['platform', (eb) => eb.fn.countAll<number>().as('n')])
    .where('network_id', '=', networkId)
    .groupBy('platform')
    .execute();

  // A code's age runs from when it was issued (a reinvite restarts it): its expiry less its
  // validity; a pending user without a code (a fixture's), from when the user was added.
  const issued = sql<number>`coalesce(invite_expires_at - invite_ttl_days * ${sql.lit(DAY_MS)}, created_at)`;
  const bucket = AGE_BUCKETS.slice(0, -1).reduceRight<RawBuilder<number>>(
    (otherwise, [, days], i) =>
      sql<number>`case when ${issued} > ${now - days * DAY_MS} then ${sql.lit(i)} else ${otherwise} end`,
    sql<number>`${sql.lit(AGE_BUCKETS.length - 1)}`,
  );
  const pendingByAge = await users()
    .select([bucket.as('bucket'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', MEMBER_STATUS.PENDING)
    .where('invite_declined_at', 'is', null)
    .groupBy('bucket')
    .execute();
  const perBucket = new Map(pendingByAge.map((r) => [Number(r.bucket), Number(r.n)]));

  const admins = await users()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_admin', '=', 1)
    .where('status', '=', MEMBER_STATUS.ACTIVE)
    .where('suspended', '=', 0)
    .executeTakeFirstOrThrow();

  return {
    asOf: new Date(now).toISOString(),
    users: counts,
    registrations,
    devices: devices
      .map((r) => ({ platform: r.platform, count: Number(r.n) }))
      .sort((a, b) => b.count - a.count || a.platform.localeCompare(b.platform)),
    invitations: AGE_BUCKETS.map(([age], i) => ({
      age,
      stale: i > 0 && AGE_BUCKETS[i - 1]![1] >= STALE_INVITATION_DAYS,
      count: perBucket.get(i) ?? 0,
    })),
    administrators: Number(admins.n),
  };
};
