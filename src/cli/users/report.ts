/** What the bulk user commands print: the summary (text or JSON) and the progress bar. */
import cliProgress from 'cli-progress';
import type { Failure, Skipped, Success } from '../../client/csv/users.js';

export interface Outcome {
  verb: string;
  dryRun: boolean;
  networkId: string;
  successes: Success[];
  failures: Failure[];
  skipped: Skipped[];
}

/** The summary as printed, and the exit status: 0 all succeeded, 2 some rows failed. */
export function formatReport(r: Outcome, json: boolean): { text: string; exitCode: number } {
  const failures = [...r.failures].sort((a, b) => a.row - b.row);
  const exitCode = failures.length > 0 ? 2 : 0;
  if (json) {
    // One shape for every command: `action` says what `succeeded` counts.
    const out = {
      networkId: r.networkId,
      action: r.verb,
      dryRun: r.dryRun,
      succeeded: r.successes.length,
      failed: failures.length,
      failures,
      skipped: r.skipped,
      successful: r.successes.map((x) => (x.userId ? x : { row: x.row, username: x.username })),
    };
    return { text: `${JSON.stringify(out, null, 2)}\n`, exitCode };
  }
  const counts =
    `${r.verb} ${r.successes.length}, failed ${failures.length}` +
    (r.skipped.length ? `, skipped ${r.skipped.length}` : '');
  const lines = [r.dryRun ? `dry run: would have ${counts}` : counts];
  for (const f of failures) lines.push(`  row ${f.row} (${label(f)}): ${f.reason}`);
  for (const s of r.skipped) lines.push(`  row ${s.row} (${label(s)}): skipped, ${s.reason}`);
  return { text: `${lines.join('\n')}\n`, exitCode };
}

function label(x: { username?: string; userId?: string }): string {
  if (x.username && x.userId) return `${x.username}, user ${x.userId}`;
  return x.username ?? (x.userId ? `user ${x.userId}` : 'no username');
}

export function partialSummary(verb: string, ok: number, failed: number): string {
  return `stopped early; so far ${verb} ${ok}, failed ${failed}`;
}

export interface Bar {
  increment(n: number): void;
  stop(): void;
}

/** A progress bar on stderr, only when stderr is a terminal and --no-progress was not given. */
export function progressBar(opts: { progress: boolean }, total: number, label: string): Bar {
  if (!opts.progress || !process.stderr.isTTY || total === 0) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total} | ETA: {eta_formatted}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    increment: (n) => bar.increment(n),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
