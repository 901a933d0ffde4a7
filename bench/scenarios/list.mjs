// `list`: ListUsers, 100 a page, filtered by status, sorted by username, on the largest network.
import { largestOf } from '../lib/bench-run.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { call, signRequest } from '../lib/sign.mjs';

async function listScenario(run, engine, size) {
  const net = await run.network(engine, size);
  const r = await run.withServer(net, async (server) => {
    const host = new URL(server.endpoint).host;
    // Distinct requests: first pages and later pages (keyset tokens collected by walking).
    const paths = [];
    for (const status of [1, 2]) {
      for (const dir of ['ASC', 'DESC']) {
        const base = `/networks/${net.networkId}/users?maxResults=100&status=${status}&sortFields=username&sortDirection=${dir}`;
        let token;
        for (let page = 0; page < 25; page++) {
          const path = token ? `${base}&nextToken=${encodeURIComponent(token)}` : base;
          paths.push(path);
          const out = await call(server.endpoint, 'GET', path);
          if (out.status !== 200)
            throw new Error(`ListUsers answered ${out.status}: ${out.body.slice(0, 300)}`);
          token = out.json.nextToken;
          if (!token) break;
        }
      }
    }
    const source = requestSource(
      (i) => signRequest({ method: 'GET', host, path: paths[i % paths.length] }),
      { prepared: paths.length },
    );
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
