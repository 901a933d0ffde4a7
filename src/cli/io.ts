/**
 * How every wickr-admin command talks to the terminal: results on stdout, messages on stderr
 * as `wickr-admin: ...`, input files read with one wording for a missing file, and a reader
 * that went away (`| head`) ending the command quietly.
 */
import { readFileSync } from 'node:fs';

/** An error the user can fix by calling the command differently: printed with a hint. */
export class UsageError extends Error {}

export function out(text: string): void {
  process.stdout.write(text);
}

export function warn(message: string): void {
  process.stderr.write(`wickr-admin: ${message}\n`);
}

/** The one wording for a file that is not there, whichever command reads it. */
export function noSuchFile(path: string, hint = ''): Error {
  return new Error(`no such file: ${path}${hint}`);
}

/** Reads a file the user named (CSV, fixture); a missing one says so in the common wording. */
export function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT') throw noSuchFile(path);
    if (code === 'EISDIR') throw new Error(`${path} is a directory, not a file`);
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * A closed stdout (the reader of a pipe exited, as `head` does) ends the command with status
 * 0 instead of an EPIPE stack trace: nobody is left to read the rest.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}
