/**
 * The server's logger: JSON lines on standard output (pino). Lines are written asynchronously
 * and in batches: a batch is handed to pino's asynchronous destination once 16 KiB are waiting
 * or 10 ms after its first line, and whatever waits is written synchronously when the process
 * exits, a crash included. A synchronous write per request line cost about a third of a cached
 * lookup's throughput; an asynchronous write per line still cost ~8 µs of a ~100 µs lookup (each
 * write a round trip to a thread), a batch of a few hundred lines hardly more than one line.
 *
 * Lines carry no operation input or output, so no redaction runs on them; the one line that
 * does, a request's at `debug`, redacts every member the contract marks sensitive
 * (pipeline/observe.ts).
 */
import { writeSync } from 'node:fs';
import { destination, pino, type DestinationStream, type Logger } from 'pino';

/** Characters that make a batch (sonic-boom's largest write is 16 KiB). */
const BATCH_CHARS = 16 * 1024 - 1;
const STDOUT = 1;
/** The longest a line waits for its batch. */
const BATCH_MS = 10;

export function createLogger(level: string): Logger {
  if (level === 'silent') return pino({ level });
  return pino(
    {
      level,
      // Fastify's request serializer is not used (its request logging is off), but a line that
      // ever carries a request's headers must not carry its credentials.
      redact: ['req.headers.authorization', 'headers.authorization'],
    },
    batched(),
  );
}

/** The batches not yet handed over, written out when the process exits (weakly held). */
const waiting = new Set<WeakRef<{ flushSync(): void }>>();
let exitHook = false;

/**
 * Standard output, written in batches. Batched here, not by sonic-boom's `minLength`: its
 * `write` measures the UTF-8 length of the whole waiting batch on every line (a 16 KiB string
 * scanned per ~150-byte line, 45 % of a line's cost, measured); here a line is one string
 * append.
 */
function batched(): DestinationStream {
  const out = destination({ fd: STDOUT, sync: false });
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const handOver = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    const lines = pending;
    pending = '';
    out.write(lines);
  };
  const stream = {
    write(line: string) {
      pending += line;
      if (pending.length >= BATCH_CHARS) handOver();
      // Unref'd: a waiting batch never keeps the process alive; the exit hook writes it.
      else timer ??= setTimeout(handOver, BATCH_MS).unref();
    },
    /** At exit: what the destination holds, then what waits here, both written at once. */
    flushSync() {
      if (timer) clearTimeout(timer);
      out.flushSync();
      const lines = pending;
      pending = '';
      // Not through `out.write`: that would start an asynchronous write the exit cuts short.
      writeAllSync(STDOUT, lines);
    },
  };
  // pino flushes its destination on exit, but knows nothing of the lines waiting here.
  for (const ref of waiting) if (!ref.deref()) waiting.delete(ref);
  waiting.add(new WeakRef(stream));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const ref of waiting) {
        try {
          ref.deref()?.flushSync();
        } catch {
          // Standard output is gone (a closed pipe): nothing more can be written.
        }
      }
    });
  }
  return stream;
}

/** Writes a string whole to a descriptor that may be non-blocking (a pipe), as the process exits. */
function writeAllSync(fd: number, text: string): void {
  let bytes = Buffer.from(text, 'utf8');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; bytes.length > 0 && tries < 500;) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      tries++;
      Atomics.wait(pause, 0, 0, 10); // the reader is behind: wait, as sonic-boom does
    }
  }
}
