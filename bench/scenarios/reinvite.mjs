// `reinvite`: BatchReinviteUser of 50 pending users a request, each request a different batch,
// on a copy of the primary network; the outbox must hold one e-mail per reinvited user.
import { BATCH, writePlan } from '../lib/bench-run.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { query } from '../lib/seed.mjs';
import { benchClient } from '../lib/client.mjs';

async function reinviteScenario(run, engine, size) {
  const net = await run.scratchNetwork(engine, size, 'reinvite');
  const pending = (
    await query(
      net,
      "SELECT member_id FROM members WHERE network_id = $1 AND kind = 'user' AND status = 1 AND suspended = 0 ORDER BY member_id",
      [net.networkId],
    )
  ).map((r) => String(r.member_id));
  const batches = Math.floor(pending.length / BATCH);
  if (batches < 2)
    throw new Error(
      `reinvite needs at least ${2 * BATCH} pending users, the network has ${pending.length}`,
    );
  const countReinvites = () => run.countRows(net, 'outbox', "kind = 'reinvite'");
  const r = await run.withServer(net, async (server) => {
    const client = benchClient(server.endpoint);
    const before = await countReinvites();
    // Each request reinvites a different batch; pending users stay pending, so the pool cycles.
    const make = (i) =>
      client.sign('BatchReinviteUser', {
        networkId: net.networkId,
        userIds: pending.slice((i % batches) * BATCH, ((i % batches) + 1) * BATCH),
      });
    const source = requestSource(make, { prepared: batches });
    const m = await run.measure(`reinvite ${engine} ${sizeLabel(size)}`, server, source, {
      connections: run.conns(8),
      check: (out) => {
        if (out.successful?.length !== BATCH)
          throw new Error(
            `reinvite: ${out.successful?.length} of ${BATCH} succeeded: ${JSON.stringify(out.failed?.[0])}`,
          );
      },
    });
    const queued = (await countReinvites()) - before;
    return { ...m, peakRss: server.memory()?.hwm, queued };
  });
  const usersPerSec = r.rps * BATCH;
  const queuedOk = r.queued >= r.okTotal * BATCH && r.queued <= r.maxProcessed * BATCH;
  run.record({
    scenario: 'reinvite',
    operation: 'BatchReinviteUser',
    engine,
    size,
    ...r,
    usersPerSec,
    emailsQueued: r.queued,
    emailsQueuedOk: queuedOk,
    other: `${usersPerSec.toFixed(0)} users/s; ${r.queued} reinvitation e-mails queued${queuedOk ? ' (one per reinvited user)' : ` (expected ${r.okTotal * BATCH}–${r.maxProcessed * BATCH})`}`,
  });
}

export default {
  name: 'reinvite',
  plan: writePlan,
  run: reinviteScenario,
  targets(find) {
    const ri = find('reinvite', 'sqlite') ?? find('reinvite', 'postgres');
    return [
      {
        name: `BatchReinviteUser, 50 pending users a request${ri ? `, ${ri.engine}` : ''}`,
        goal: '≥ 3,000 users reinvited/s, e-mails queued',
        actual: ri
          ? `${ri.usersPerSec.toFixed(0)} users/s; ${ri.emailsQueued} e-mails queued${ri.emailsQueuedOk ? ', one per reinvited user' : ' (MISMATCH)'}; ${ri.errors} errors`
          : 'not run',
        met: ri ? ri.usersPerSec >= 3000 && ri.emailsQueuedOk && ri.errors === 0 : undefined,
      },
    ];
  },
};
