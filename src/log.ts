/**
 * The server's logger: JSON lines on standard output (pino). Lines are written asynchronously
 * and in batches: pino's buffered destination writes once 16 KiB are waiting or 10 ms after the
 * first waiting line, and flushes synchronously when the process exits, a crash included. A
 * synchronous write per request line cost about a third of a cached lookup's throughput; an
 * asynchronous write per line still cost ~8 µs of a ~100 µs lookup (each write a round trip to
 * a thread), a batch of a few hundred lines hardly more than one line.
 *
 * Lines carry no operation input or output, so no redaction runs on them; the one line that
 * does, a request's at `debug`, redacts every member the contract marks sensitive
 * (pipeline/observe.ts).
 */
import { destination, pino, type DestinationStream, type Logger } from 'pino';

/** Bytes that make a write at once (sonic-boom's limit is below its 16 KiB largest write). */
const BATCH_BYTES = 16 * 1024 - 1;
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

/** Standard output, written in batches (pino flushes the destination on exit). */
function batched(): DestinationStream {
  const out = destination({ sync: false, minLength: BATCH_BYTES });
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    out.flush();
  };
  return {
    write(line: string) {
      out.write(line);
      // Unref'd: a waiting batch never keeps the process alive; the exit flush writes it.
      timer ??= setTimeout(flush, BATCH_MS).unref();
    },
  };
}
