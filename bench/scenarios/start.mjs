// `start`: time from spawning `wickr-admin serve` on the existing largest database to its first
// /health answer; the peak RSS target is read from the `lookup` run on the same database.
import { largestOf, median } from '../lib/bench-run.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { startServer } from '../lib/server.mjs';

async function startScenario(run, engine, size) {
  const net = await run.network(engine, size);
  const starts = [];
  for (let i = 0; i < Math.max(3, run.settings.repeats); i++) {
    const server = await startServer(net.url, { script: run.serverCli });
    starts.push({ ms: server.startMs, rss: server.memory()?.rss });
    await server.stop();
  }
  const startMs = median(starts.map((s) => s.ms));
  run.record({
    scenario: 'start',
    engine,
    size,
    startMs,
    starts,
    peakRss: median(starts.map((s) => s.rss)),
    other: `listening (first /health answer) after ${startMs.toFixed(0)} ms (median of ${starts.length}); RSS at start`,
  });
}

export default {
  name: 'start',
  plan: (run, engine) => [largestOf(run, engine)],
  run: startScenario,
  targets(find, run) {
    const { sizes } = run.settings;
    const L = sizes[sizes.length - 1];
    const st = find('start', 'sqlite', L) ?? find('start', 'postgres');
    const lkBig = find('lookup', st?.engine ?? 'sqlite', st?.size ?? L);
    return [
      {
        name: `server start on an existing ${sizeLabel(st?.size ?? L)}-user database`,
        goal: 'listening ≤ 1 s; peak RSS after the lookup run ≤ 200 MB',
        actual:
          (st ? `listening after ${st.startMs.toFixed(0)} ms` : 'start not run') +
          '; ' +
          (lkBig?.peakRss
            ? `peak RSS after the lookup run ${(lkBig.peakRss / 1048576).toFixed(0)} MB`
            : 'lookup not run'),
        met:
          st && lkBig?.peakRss ? st.startMs <= 1000 && lkBig.peakRss <= 200 * 1048576 : undefined,
      },
    ];
  },
};
