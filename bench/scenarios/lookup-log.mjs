// `lookup-log`: what the request log costs. The lookup's requests against the server at its
// default log level (info: one JSON line per request on standard output, read by the bench as
// a log collector would) and, at the same time in each round, against the same server at
// `silent` on a copy of the same data, at the primary size of each engine. Run together, the two
// share the machine's load of the moment: run one after the other, seconds apart, the rounds'
// ratios ranged 0.59-1.24 × on a shared machine, too wide to tell a few per cent.
import { fineRounds, primaryOf } from '../lib/bench-run.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { startServer } from '../lib/server.mjs';
import { checkLookup, lookupSource } from './lookup.mjs';

/** The most the log line may cost: throughput at info at least this share of silent's. */
const LOG_BUDGET = 0.95;

export default {
  name: 'lookup-log',
  plan: (run, engine) => [primaryOf(run.sizesFor(engine))],
  async run(run, engine, size) {
    const net = await run.network(engine, size);
    // The silent server reads a copy (SQLite: one server per file).
    const copy = await run.scratchNetwork(engine, size, 'lookup-silent');
    const level = run.settings.logLevel ?? 'info';
    const r = await run.withServer(net, async (server) => {
      const source = lookupSource(net, size, server.endpoint);
      return run.measure(`lookup-log ${engine} ${sizeLabel(size)}`, server, source, {
        connections: run.conns(32),
        ...fineRounds(run),
        check: checkLookup,
        together: true,
        reference: async () => {
          const silent = await startServer(copy.url, {
            env: { WICKR_LOG_LEVEL: 'silent' },
            script: run.serverCli,
          });
          return { pid: silent.pid, url: silent.endpoint, stop: () => silent.stop() };
        },
      });
    });
    // The median of the rounds' ratios: each round's two runs shared the machine at once.
    const share = r.rpsVsReference;
    run.record({
      scenario: 'lookup-log',
      operation: 'BatchLookupUserUname',
      engine,
      size,
      ...r,
      logShare: share,
      other:
        `at ${level}: ${r.rps.toFixed(0)} req/s, at silent ${r.reference.rps.toFixed(0)} ` +
        `(${share.toFixed(3)} ×); CPU ${r.cpuUsPerRequest.toFixed(0)} against ` +
        `${r.reference.cpuUsPerRequest.toFixed(0)} µs/req (${r.cpuVsReference.toFixed(2)} ×)`,
    });
  },
  targets(find, run) {
    return ['sqlite', 'postgres'].map((engine) => {
      const size = primaryOf(run.sizesFor(engine));
      const r = find('lookup-log', engine, size);
      return {
        name: `The request log at info, BatchLookupUserUname, ${engine}, ${sizeLabel(size)} users`,
        goal: `throughput at info ≥ ${LOG_BUDGET} × at silent (the log line costs ≤ 5 %)`,
        actual: r
          ? `${r.logShare.toFixed(3)} × (${r.rps.toFixed(0)} vs ${r.reference.rps.toFixed(0)} req/s); CPU ${r.cpuVsReference.toFixed(2)} × (${r.cpuUsPerRequest.toFixed(0)} vs ${r.reference.cpuUsPerRequest.toFixed(0)} µs/req)`
          : 'not run',
        met: r ? r.logShare >= LOG_BUDGET && r.errors === 0 : undefined,
      };
    });
  },
};
