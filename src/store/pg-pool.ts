/**
 * PostgreSQL connections that may end at any moment (a restart, a failover,
 * `pg_terminate_backend`, a proxy's timeout) without ending the server.
 *
 * node-postgres reports a lost connection as an 'error' event on its client, and an 'error'
 * event nobody listens to is thrown: the process exits. The pool listens while a client is idle
 * (and re-emits on itself: see `onConnectionLost` in database.ts); while a client is checked
 * out, nobody did, so a connection ended under a request took the whole server down. Here each
 * checked-out client is listened to, the query on it fails with a retryable
 * InternalServerError in the API's format (botocore and the other SDKs retry a 500), and the
 * client is discarded, so the next request gets a new connection.
 */
import type { Pool, PoolClient } from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { ApiError } from '../contract/errors.js';
import type { ConnectionState } from './connection-lost.js';

/** A request's database connection was lost, or none could be made: retry the request. */
export class DatabaseUnavailable extends ApiError {
  constructor(
    override readonly cause: unknown,
    /**
     * A statement on this connection was sent and its answer never came: whatever it did may
     * or may not have happened (for a COMMIT: the transaction). False when the connection was
     * gone before anything was sent, or none could be made.
     */
    readonly uncertain: boolean,
    message = 'The database connection was lost; retry the request.',
  ) {
    super('InternalServerError', message, undefined, { 'Retry-After': '1' });
  }
}

// Connection exceptions (08), the server shutting down or starting (57P01-57P03), sockets.
const LOST_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What node-postgres and its pool say, with no code, when a connection ends or cannot be had.
const LOST_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

export function isConnectionLoss(e: unknown): boolean {
  if (e instanceof DatabaseUnavailable) return true;
  const err = e as { code?: unknown; message?: unknown } | undefined;
  return (
    (typeof err?.code === 'string' && LOST_CODES.has(err.code)) ||
    (typeof err?.message === 'string' && LOST_MESSAGES.test(err.message))
  );
}

/** At most one 'connecting' report a second: every request of an outage fails to connect. */
const CONNECT_REPORT_MS = 1000;

/** The pool as Kysely's PostgresDialect takes it, with lost connections handled as above. */
export function lossAwarePool(
  pool: Pool,
  onLost: (error: Error, state: ConnectionState) => void,
): PostgresPool {
  const lostOf = new WeakMap<PoolClient, Error>();
  const inUse = new WeakSet<PoolClient>();
  // Listened to from its first moment, not from when it is handed out: a connection can be
  // ended in the very packet that completes it, after the pool stopped listening and before
  // the caller started (the pool reports idle ones itself, as 'error' on the pool).
  pool.on('connect', (client) =>
    client.on('error', (e: Error) => {
      if (lostOf.has(client)) return;
      lostOf.set(client, e);
      if (inUse.has(client)) onLost(e, 'in use');
    }),
  );
  let reportedAt = -Infinity;
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        if (Date.now() - reportedAt >= CONNECT_REPORT_MS) {
          reportedAt = Date.now();
          onLost(e as Error, 'connecting');
        }
        throw new DatabaseUnavailable(e, false);
      }
      inUse.add(client);
      return checkedOut(client, lostOf, () => inUse.delete(client));
    },
    end: () => pool.end(),
  };
}

function checkedOut(
  client: PoolClient,
  lostOf: WeakMap<PoolClient, Error>,
  done: () => void,
): PostgresPoolClient {
  let uncertain = false;
  const query = async (sql: string, parameters: readonly unknown[]) => {
    // Kysely rolls back after a failed statement: refused here, unsent, but still uncertain.
    const lost = lostOf.get(client);
    if (lost) throw new DatabaseUnavailable(lost, uncertain);
    try {
      return await client.query(sql, parameters as unknown[]);
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      if (!lostOf.has(client)) lostOf.set(client, e as Error);
      uncertain = true;
      throw new DatabaseUnavailable(e, true);
    }
  };
  return {
    // Kysely also passes cursors (for streaming), which we do not configure: passed through.
    query: ((sql: unknown, parameters?: readonly unknown[]) =>
      typeof sql === 'string'
        ? query(sql, parameters ?? [])
        : client.query(sql as never)) as unknown as PostgresPoolClient['query'],
    release() {
      done();
      // With an error the pool destroys the client instead of keeping it.
      client.release(lostOf.get(client));
    },
  };
}
