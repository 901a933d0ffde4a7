// A `wickr-admin serve` (or a command that runs one: npm start, npx) in a child process, for
// tests that read what it prints and call it: waits for its "Wickr Admin API at" line.
import { spawn } from 'node:child_process';

export interface Served {
  endpoint: string;
  /** The spawned process (the server itself when the command execs Node, as the bin does). */
  pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then the exit code (null when a signal ended it). */
  stop(): Promise<number | null>;
}

export function serve(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Served> {
  // A process group of its own: npx and npm start run the server as their child and do not
  // pass a SIGTERM on, so stopping signals the whole group (else the server outlived the test).
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is gone already.
    }
  };
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      signal('SIGKILL');
      reject(new Error(`${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail('no start-up line'), options.timeoutMs ?? 60_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before serving:\n${output}`));
    });
    const read = (d: Buffer) => {
      output += d.toString();
      const m = /Wickr Admin API at (http:\/\/[^\s;]+);/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', read);
      child.stdout.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        endpoint: m[1]!,
        pid: child.pid!,
        output: () => output,
        stop: () => {
          signal('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  });
}

/** The shell lines `serve` printed for the AWS CLI and boto3 (`unset ...`, `export ...`). */
export function shellLinesOf(output: string): string[] {
  const block = /For the AWS CLI and boto3[^\n]*\n((?: {2}\S[^\n]*\n)+)/.exec(output);
  if (!block) throw new Error(`no shell lines in:\n${output}`);
  return block[1]!
    .trim()
    .split('\n')
    .map((l) => l.trim());
}
