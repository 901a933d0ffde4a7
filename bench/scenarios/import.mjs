// `import`: `wickr-admin users import <csv>` of a generated CSV against the server, on a copy of
// the primary network; wall time of the command.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { log, writePlan } from '../lib/bench-run.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { TMP } from '../lib/seed.mjs';
import { ROOT } from '../lib/server.mjs';
import { CREDENTIALS, REGION } from '../lib/client.mjs';

const CLI = join(ROOT, 'bin', 'wickr-admin');

async function importScenario(run, engine, size) {
  const { importRows } = run.settings;
  const help = spawnSync(process.execPath, [CLI, 'users', 'import', '--help'], {
    encoding: 'utf8',
  });
  if (help.status !== 0) {
    run.note(
      'import: `wickr-admin users import` is not available in this build; the scenario was skipped.',
    );
    run.record({ scenario: 'import', engine, size, other: 'not available' });
    return;
  }
  const net = await run.scratchNetwork(engine, size, 'import');
  const csv = join(TMP, `import-${importRows}.csv`);
  await new Promise((resolve, reject) => {
    const out = createWriteStream(csv);
    out.on('error', reject);
    out.write('username,firstName,lastName\n');
    for (let i = 0; i < importRows; i++)
      out.write(`imported.${run.runTag}.${i}@import.example.com,Imported,User${i}\n`);
    out.end(resolve);
  });
  const countUsers = () => run.countRows(net, 'members', "kind = 'user'");
  const r = await run.withServer(net, async (server) => {
    const users0 = await countUsers();
    const started = performance.now();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.memory()?.hwm ?? 0);
    }, 500);
    const cli = spawn(
      process.execPath,
      [CLI, 'users', 'import', csv, '--network', net.networkId, '--no-progress', '--json'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WICKR_ENDPOINT: server.endpoint,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_REGION: REGION,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    cli.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    // Bounded: a stuck import is killed after 10 minutes.
    const killer = setTimeout(() => cli.kill('SIGKILL'), 600_000);
    const code = await new Promise((resolve) => cli.on('exit', resolve));
    clearTimeout(killer);
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) log(`import exited ${code}: ${stderr.slice(-1000)}`);
    return {
      seconds,
      code,
      created: (await countUsers()) - users0,
      peakRss: Math.max(peak, server.memory()?.hwm ?? 0),
    };
  });
  run.record({
    scenario: 'import',
    operation: 'wickr-admin users import',
    engine,
    size,
    ...r,
    errors: r.created === importRows && r.code === 0 ? 0 : importRows - r.created,
    other: `${importRows} rows in ${r.seconds.toFixed(1)} s (${(r.created / r.seconds).toFixed(0)} users/s), ${r.created} created, exit ${r.code}`,
  });
}

export default {
  name: 'import',
  plan: writePlan,
  run: importScenario,
  targets(find, run) {
    const { importRows } = run.settings;
    const im = find('import', 'sqlite') ?? find('import', 'postgres');
    return [
      {
        name: `wickr-admin users import of ${sizeLabel(importRows)} users from CSV`,
        goal: '≤ 60 s',
        actual: im
          ? im.seconds !== undefined
            ? `${im.seconds.toFixed(1)} s; ${im.created} created`
            : im.other
          : 'not run',
        met: im?.seconds !== undefined ? im.seconds <= 60 && im.errors === 0 : undefined,
      },
    ];
  },
};
