/**
 * Tells, without a query, whether a SQLite database in WAL mode may have changed since the
 * last look: by reading its WAL-index header from the `-shm` file.
 *
 * Why: BatchLookupUserUname reads its network's lookup version on every request, so that a
 * change made by anyone (this server, the CLI, a hand-written fix) is seen at once. On SQLite
 * that read is a statement in its own read transaction (two lock calls and a stat in the
 * kernel): about 40 µs of a ~330 µs lookup on the benchmark machine. The header moves on every
 * commit, by any connection of any process, so while it holds the same bytes the answer of
 * that read cannot have changed, and one `pread` of 96 bytes stands in for it.
 *
 * The header's layout is SQLite's documented WAL file format (sqlite.org/walformat.html): two
 * copies of a 48-byte header at offset 0, which a writer updates at each commit, the second
 * copy first; a SQLite reader only takes a snapshot once both copies agree, so a commit that a
 * reader could see has already changed these bytes. A torn or short read simply counts as a
 * change. No false "unchanged" is possible, only extra queries (after a checkpoint, say).
 */
import { existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

const HEADER_BYTES = 96;

/**
 * The `-shm` files' descriptors, one per file for the life of the process and never closed:
 * closing any descriptor of a file drops every POSIX lock the process holds on it (fcntl's
 * rule), SQLite's own included. A probe closed while a connection of this process still had
 * the database open (a second store opened and closed beside a server, as the bulk seed does)
 * dropped the server's lock on the WAL index; the next process to open the database took
 * itself for the only one, reset the index under the server's memory map, and the server died
 * of SIGBUS. A file replaced at the same path (deleted by SQLite when its last connection
 * closed, made again by the next) gets a descriptor of its own.
 */
const descriptors = new Map<string, number>();

function shmDescriptor(shm: string): number {
  const held = descriptors.get(shm);
  if (held !== undefined) {
    const open = fstatSync(held);
    const now = statSync(shm);
    // Still the file at that path: not unlinked (its inode number may be reused), same inode.
    if (open.nlink > 0 && open.ino === now.ino && open.dev === now.dev) return held;
  }
  const fd = openSync(shm, 'r');
  descriptors.set(shm, fd);
  return fd;
}

export interface ChangeProbe {
  /** A number that moves whenever the database may have changed since it was last returned. */
  generation(): number;
  close(): void;
}

/** The probe of a SQLite file in WAL mode, or undefined when it has no `-shm` file (yet). */
export function sqliteChangeProbe(file: string): ChangeProbe | undefined {
  const shm = `${file}-shm`;
  if (!existsSync(shm)) return undefined;
  const fd = shmDescriptor(shm);
  let seen = Buffer.alloc(HEADER_BYTES);
  let read = Buffer.alloc(HEADER_BYTES);
  let generation = 0;
  let closed = false;
  return {
    generation() {
      if (closed) return ++generation;
      const n = readSync(fd, read, 0, HEADER_BYTES, 0);
      if (n !== HEADER_BYTES || !read.equals(seen)) {
        generation++;
        [seen, read] = [read, seen];
        // A short read leaves stale bytes behind: never let them match next time.
        if (n !== HEADER_BYTES) seen.fill(0xff);
      }
      return generation;
    },
    close() {
      closed = true;
    },
  };
}
