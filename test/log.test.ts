/**
 * The server's log lines are written asynchronously (a request does not wait on a write to
 * standard output) and none is lost when the process exits or crashes: the buffer is flushed
 * synchronously on the way out. Run in a child process of the built package.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli-run.js';

const LOG = join(repoRoot, 'dist', 'log.js');

/** Logs `n` lines, writes a mark straight to fd 1, then ends as `ending` says. */
function run(ending: 'return' | 'exit' | 'crash', n = 2000) {
  const script = `
    import { writeSync } from 'node:fs';
    import { createLogger } from ${JSON.stringify(LOG)};
    const log = createLogger('info');
    for (let i = 0; i < ${n}; i++) log.info({ i }, 'line');
    writeSync(1, 'MARK\\n');
    ${ending === 'exit' ? 'process.exit(3);' : ending === 'crash' ? "throw new Error('boom');" : ''}
  `;
  return new Promise<{ code: number | null; lines: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) }));
  });
}

describe('the log', () => {
  it.each(['return', 'exit', 'crash'] as const)(
    'is written after the code that logs runs on, and is complete when the process ends (%s)',
    async (ending) => {
      const { code, lines } = await run(ending);
      expect(code).toBe(ending === 'return' ? 0 : ending === 'exit' ? 3 : 1);
      // Asynchronous: lines logged before the mark was written still follow it.
      const mark = lines.indexOf('MARK');
      expect(mark).toBeGreaterThanOrEqual(0);
      expect(mark).toBeLessThan(lines.length - 1);
      const logged = lines
        .filter((l) => l !== 'MARK')
        .map((l) => JSON.parse(l) as { i: number; msg: string });
      expect(logged.map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    },
    30_000,
  );

  it.each(['return', 'exit'] as const)(
    'loses no line of a long burst, many batches with one still being written (%s)',
    async (ending) => {
      const { lines } = await run(ending, 60_000);
      const logged = lines
        .filter((l) => l !== 'MARK')
        .map((l) => (JSON.parse(l) as { i: number }).i);
      expect(logged).toHaveLength(60_000);
      expect(logged.every((v, i) => v === i)).toBe(true);
    },
    30_000,
  );
});
