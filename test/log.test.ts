/**
 * The server's log lines are written in batches (a request does not wait on a write to standard
 * output, nor on its reader) and none is lost when the process exits or crashes: what waits is
 * written on the way out. A reader that stays away costs bounded memory (lines dropped and
 * counted) and does not keep the process from ending. Run in a child process of the built
 * package.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli-run.js';

const LOG = join(repoRoot, 'dist', 'log.js');

/**
 * Logs `n` lines, writes a mark straight to fd 1 (unless `mark` is false), then ends as `ending`
 * says. With `turns`, the lines are logged over that many turns of the event loop (batches
 * handed over between them); with `stall`, the reader does not read for that many milliseconds
 * (the pipe fills), with `stall: Infinity` never (the result comes when the child exits).
 * With `text`, each line also carries `text`, that expression of `i`.
 */
function run(
  ending: 'return' | 'exit' | 'crash',
  n = 2000,
  { turns = 1, pause = 2, stall = 0, mark = true, text = '' } = {},
) {
  const script = `
    import { writeSync } from 'node:fs';
    import { createLogger } from ${JSON.stringify(LOG)};
    const log = createLogger('info');
    const per = Math.ceil(${n} / ${turns});
    for (let t = 0; t < ${turns}; t++) {
      for (let i = t * per; i < Math.min(${n}, (t + 1) * per); i++) log.info({ i${text ? `, text: ${text}` : ''} }, 'line');
      await new Promise((r) => setTimeout(r, ${pause}));
    }
    // Node's child_process makes the child's end of the pipe non-blocking: wait for room.
    for (;${mark ? '' : 'false'};) {
      try {
        writeSync(1, 'MARK\\n');
        break;
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    ${ending === 'exit' ? 'process.exit(3);' : ending === 'crash' ? "throw new Error('boom');" : ''}
  `;
  return new Promise<{ code: number | null; lines: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Decoded at the end: a chunk may end inside a character.
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    if (stall > 0) child.stdout.pause();
    if (stall > 0 && stall !== Infinity) setTimeout(() => child.stdout.resume(), stall);
    child.on('error', reject);
    if (stall === Infinity) {
      child.on('exit', (code) => {
        child.stdout.destroy();
        resolve({ code, lines: [] });
      });
      return;
    }
    child.on('close', (code) =>
      resolve({ code, lines: Buffer.concat(out).toString('utf8').split('\n').filter(Boolean) }),
    );
  });
}

/** The child's log lines (the mark left out), parsed. */
function parsed(lines: string[]) {
  return lines
    .filter((l) => l !== 'MARK')
    .map(
      (l) =>
        JSON.parse(l) as {
          i: number;
          msg: string;
          level: number;
          droppedLines?: number;
          text?: string;
        },
    );
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
      const logged = parsed(lines);
      expect(logged.map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    },
    30_000,
  );

  it.each(['return', 'exit'] as const)(
    'loses no line of a long burst, many batches with one still being written (%s)',
    async (ending) => {
      const { lines } = await run(ending, 60_000);
      const logged = parsed(lines).map((l) => l.i);
      expect(logged).toHaveLength(60_000);
      expect(logged.every((v, i) => v === i)).toBe(true);
    },
    30_000,
  );

  it('writes lines of any length and characters whole, in order', async () => {
    // Multi-byte characters (a surrogate pair among them) in lines short and long: every 50th
    // is longer than the batch's room and goes as a batch of its own, between the others.
    const text = `'é€😀'.repeat(i % 50 === 0 ? 12_000 : i % 40)`;
    const textOf = (i: number) => 'é€😀'.repeat(i % 50 === 0 ? 12_000 : i % 40);
    const { code, lines } = await run('return', 3000, { turns: 10, text });
    expect(code).toBe(0);
    const logged = parsed(lines);
    expect(logged.map((l) => l.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(logged.every((l) => l.text === textOf(l.i))).toBe(true);
  }, 30_000);

  it.each(['return', 'crash'] as const)(
    'keeps every line, in order, when the reader of a pipe stalls and comes back (%s)',
    async (ending) => {
      // 60,000 lines (~4 MB) over 300 turns 5 ms apart, into a pipe nobody reads for the first
      // 0.5 s: what it cannot take waits in the queue (retried while the pipe is full), and
      // the lines logged after the reader comes back still go behind it; at a crash too.
      const { code, lines } = await run(ending, 60_000, { turns: 300, pause: 5, stall: 500 });
      expect(code).toBe(ending === 'return' ? 0 : 1);
      const logged = parsed(lines).map((l) => l.i);
      expect(logged).toHaveLength(60_000);
      expect(logged.every((v, i) => v === i)).toBe(true);
    },
    30_000,
  );

  it('drops and counts what a stalled reader cannot take, in order, and reports the count', async () => {
    // 200,000 lines (~17 MB) at once, into a pipe nobody reads for 1.5 s: the pipe and the
    // queue in front of it take what they can hold; the rest is dropped and counted, so a
    // reader that stays away costs bounded memory. The count is logged when there is room.
    const { code, lines } = await run('return', 200_000, { stall: 1500 });
    expect(code).toBe(0);
    const all = parsed(lines);
    const notice = all.filter((l) => l.droppedLines !== undefined);
    expect(notice).toHaveLength(1);
    expect(notice[0]!.level).toBe(40);
    const logged = all.flatMap((l) => (l.i === undefined ? [] : [l.i]));
    expect(notice[0]!.droppedLines).toBeGreaterThan(0);
    expect(logged.length + notice[0]!.droppedLines!).toBe(200_000);
    expect(logged.every((v, i) => v === i)).toBe(true);
  }, 30_000);

  it('ends the process though the reader never reads (the exit waits, bounded)', async () => {
    const { code } = await run('exit', 100_000, { stall: Infinity, mark: false });
    expect(code).toBe(3);
  }, 30_000);
});
