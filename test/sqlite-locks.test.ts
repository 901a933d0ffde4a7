/**
 * SQLite's locks on a database a server holds survive another store of the same file being
 * opened and closed in the server's process (as the bulk seed and tests do). POSIX drops every
 * lock a process holds on a file when any descriptor of it closes; the change probe's
 * descriptor of the WAL index was closed that way, after which another process took itself for
 * the only user, reset the index under the server's memory map, and the server died (SIGBUS,
 * seen with `wickr-admin backup` beside a server that had seeded users in-process).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openStore } from '../src/store/database.js';

/**
 * Whether another process can take SQLite's "dead man switch" lock of the WAL index (byte 128
 * of the -shm file, which every open connection holds shared): the first connection to take it
 * exclusively resets the index. Asked with fcntl from Python, as SQLite asks it.
 */
function indexUnheld(file: string): boolean {
  const script = `
import fcntl, os, sys
fd = os.open(sys.argv[1] + '-shm', os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    print('free')
except OSError:
    print('held')
`;
  return execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }).trim() === 'free';
}

it("a second store opened and closed beside a server's leaves the server's locks in place", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wickr-locks-'));
  const file = join(dir, 'w.db');
  const server = await openStore(`sqlite:${file}`);
  try {
    await sql`INSERT INTO server_secrets (name, value) VALUES ('probe', 'x')`.execute(server.db);
    expect(indexUnheld(file)).toBe(false);
    const second = await openStore(`sqlite:${file}`);
    await second.close();
    expect(indexUnheld(file)).toBe(false);
    await sql`INSERT INTO server_secrets (name, value) VALUES ('probe-2', 'y')`.execute(server.db);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
