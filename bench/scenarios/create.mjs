// `create`: BatchCreateUser of 50 fresh usernames a request (unique over the run) on a copy of
// the primary network; the database must hold one user and one queued invitation per user.
import { BATCH, writePlan } from '../lib/bench-run.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { benchClient } from '../lib/client.mjs';

async function createScenario(run, engine, size) {
  const { warmup, duration, repeats } = run.settings;
  const net = await run.scratchNetwork(engine, size, 'create');
  const countUsers = () => run.countRows(net, 'members', "kind = 'user'");
  const countInvites = () => run.countRows(net, 'outbox', "kind = 'invite'");
  const r = await run.withServer(net, async (server) => {
    const client = benchClient(server.endpoint);
    const users0 = await countUsers();
    const invites0 = await countInvites();
    // 50 fresh usernames a request, unique over the whole run (made lazily past the prepared pool).
    const make = (i) =>
      client.sign('BatchCreateUser', {
        networkId: net.networkId,
        users: Array.from({ length: BATCH }, (_, k) => ({
          username: `new.${run.runTag}.${i}.${k}@create.example.com`,
          firstName: 'New',
          lastName: `User${k}`,
          securityGroupIds: [net.groupId],
        })),
      });
    const source = requestSource(make, {
      prepared: Math.min(20_000, Math.max(1000, 300 * (warmup + duration * repeats))),
      unique: true,
    });
    const capture = source.next();
    const m = await run.measure(`create ${engine} ${sizeLabel(size)}`, server, source, {
      connections: run.conns(8),
      capture,
      check: (out) => {
        if (out.successful?.length !== BATCH)
          throw new Error(
            `create: ${out.successful?.length} of ${BATCH} created: ${JSON.stringify(out.failed?.[0])}`,
          );
      },
    });
    return {
      ...m,
      peakRss: server.memory()?.hwm,
      created: (await countUsers()) - users0,
      invites: (await countInvites()) - invites0,
    };
  });
  const usersPerSec = r.rps * BATCH;
  const createdOk =
    r.created >= r.okTotal * BATCH &&
    r.created <= r.maxProcessed * BATCH &&
    r.invites === r.created;
  run.record({
    scenario: 'create',
    operation: 'BatchCreateUser',
    engine,
    size,
    ...r,
    usersPerSec,
    createdOk,
    other: `${usersPerSec.toFixed(0)} users/s; ${r.created} created, ${r.invites} invitations queued${createdOk ? '' : ` (expected ${r.okTotal * BATCH}–${r.maxProcessed * BATCH}, one invitation each)`}`,
  });
}

export default {
  name: 'create',
  plan: writePlan,
  run: createScenario,
  targets(find) {
    const cr = find('create', 'sqlite') ?? find('create', 'postgres');
    return [
      {
        name: `BatchCreateUser, 50 users a request, ${cr?.connections ?? 8} clients${cr ? `, ${cr.engine}` : ''}`,
        goal: '≥ 5,000 users/s',
        actual: cr
          ? `${cr.usersPerSec.toFixed(0)} users/s; ${cr.errors} errors${cr.createdOk ? '' : '; created count MISMATCH'}`
          : 'not run',
        met: cr ? cr.usersPerSec >= 5000 && cr.errors === 0 && cr.createdOk : undefined,
      },
    ];
  },
};
