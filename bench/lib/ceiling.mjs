// Starts bench/ceiling-server.mjs in its own process with a recorded response.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.mjs';
import { TMP } from './seed.mjs';

export async function startCeiling(name, recorded) {
  mkdirSync(TMP, { recursive: true });
  const file = join(TMP, `ceiling-${name.replace(/[^\w.-]+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(recorded));
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'ceiling-server.mjs'), file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)).port);
    });
    child.on('exit', (code) => reject(new Error(`ceiling server exited (${code})`)));
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
