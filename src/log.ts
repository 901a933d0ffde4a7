/**
 * The server's logger: JSON lines on standard output (pino), written in batches that never wait
 * on the reader and complete when the process exits, a crash included (log-output.ts). A
 * blocking write per request line cost about a third of a cached lookup's throughput.
 *
 * Lines carry no operation input or output, so no redaction runs on them; the one line that
 * does, a request's at `debug`, redacts every member the contract marks sensitive
 * (pipeline/observe.ts).
 */
import { pino, type Logger } from 'pino';
import { standardOutput } from './log-output.js';

export function createLogger(level: string): Logger {
  if (level === 'silent') return pino({ level });
  return pino(
    {
      level,
      // Fastify's request serializer is not used (its request logging is off), but a line that
      // ever carries a request's headers must not carry its credentials.
      redact: ['req.headers.authorization', 'headers.authorization'],
    },
    standardOutput(),
  );
}
