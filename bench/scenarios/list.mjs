// `list`: ListUsers, 100 a page, filtered by status, sorted by username, on the largest network.
import { largestOf } from '../lib/bench-run.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { benchClient } from '../lib/client.mjs';

async function listScenario(run, engine, size) {
  const net = await run.network(engine, size);
  const r = await run.withServer(net, async (server) => {
    const client = benchClient(server.endpoint);
    // Distinct requests: first pages and later pages (keyset tokens collected by walking).
    const inputs = [];
    for (const status of [1, 2]) {
      for (const sortDirection of ['ASC', 'DESC']) {
        let nextToken;
        for (let page = 0; page < 25; page++) {
          const input = {
            networkId: net.networkId,
            maxResults: 100,
            status,
            sortFields: 'username',
            sortDirection,
            ...(nextToken ? { nextToken } : {}),
          };
          inputs.push(input);
          nextToken = (await client.call('ListUsers', input)).nextToken;
          if (!nextToken) break;
        }
      }
    }
    const source = requestSource((i) => client.sign('ListUsers', inputs[i % inputs.length]), {
      prepared: inputs.length,
    });
    const m = await run.measure(`list ${engine} ${sizeLabel(size)}`, server, source, {
      connections: run.conns(8),
      check: (out) => {
        if (out.users?.length !== 100)
          throw new Error(`ListUsers returned ${out.users?.length} users, not 100`);
      },
    });
    return { ...m, peakRss: server.memory()?.hwm };
  });
  run.record({
    scenario: 'list',
    operation: 'ListUsers',
    engine,
    size,
    ...r,
    other: '100 a page, by status, sorted by username',
  });
}

export default {
  name: 'list',
  plan: (run, engine) => [largestOf(run, engine)],
  run: listScenario,
  targets(find, run) {
    const { sizes } = run.settings;
    const L = sizes[sizes.length - 1];
    const ls = find('list', 'sqlite', L) ?? find('list', 'postgres');
    return [
      {
        name: `ListUsers, 100 a page, by status, sorted by username, ${ls ? sizeLabel(ls.size) : sizeLabel(L)} users, ${ls?.connections ?? 8} connections`,
        goal: 'p99 ≤ 20 ms',
        actual: ls
          ? `p99 ${ls.p99.toFixed(2)} ms (p50 ${ls.p50.toFixed(2)} ms); ${ls.errors} errors`
          : 'not run',
        met: ls ? ls.p99 <= 20 && ls.errors === 0 : undefined,
      },
    ];
  },
};
