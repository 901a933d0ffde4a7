// Starts the bare node:http servers the API server is measured against, each in its own
// process: bench/ceiling-server.mjs with a recorded response, and the `lookup-minimal`
// reference (bench/lookup-minimal-server.mjs) with the network's members.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.mjs';
import { TMP } from './seed.mjs';

/** Starts `bench/<script>` with a JSON file of `payload`; it prints {"port": n} when listening. */
export async function startBare(script, name, payload, nodeArgs = []) {
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `${name.replace(/[^\w.-]+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(payload));
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bench', script), file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)).port);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export const startCeiling = (name, recorded) =>
  startBare('ceiling-server.mjs', `ceiling-${name}`, recorded);
