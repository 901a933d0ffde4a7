/**
 * While a server migrates its database at start (a new version's migrations can take seconds
 * on a large database: migration 007 took 6 s on a million users), a small listener on its
 * port answers the health checks (live, not ready: "migrating") and the API (a retryable 500),
 * so that an orchestrator does not take a long migration for a dead process and restart it
 * mid-way. The server proper listens on the same port as soon as the migrations are done.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../../store/database.js';
import { migrateToLatest, migrationStatus } from '../../store/migrations/index.js';
import { readinessAnswer } from './index.js';

export interface StartingOptions {
  host: string;
  port: number;
}

/**
 * Runs `migrate` with the stand-in listener on `host:port`; resolves with the port, now free
 * for the server. Throws as `listen` would when the port is taken.
 */
export async function answerWhileMigrating(
  options: StartingOptions,
  migrate: () => Promise<void>,
): Promise<number> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
        'cache-control': 'no-store',
        ...headers,
      });
      res.end(text);
    };
    if (path === '/health/live') return send(200, { status: 'live' });
    if (path === '/health/ready' || path === '/health') {
      const answer = readinessAnswer({ ready: false, reason: 'migrating the database' }, 'ok');
      return send(answer.status, answer.body);
    }
    send(
      500,
      { message: 'The server is starting (migrating its database); retry the request.' },
      { 'x-amzn-errortype': 'InternalServerError', 'retry-after': '1', connection: 'close' },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  try {
    await migrate();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return port;
}

/**
 * Brings the database up to date for a server that will listen on `listen`: behind the stand-in
 * listener when there is anything to migrate and someone could be asking (a file or PostgreSQL,
 * on a port given in advance). Resolves with the port the server is to listen on.
 */
export async function migrateForServer(store: Store, listen: StartingOptions): Promise<number> {
  const run = () => migrateToLatest(store.db, store.engine);
  const inMemory = store.engine === 'sqlite' && !store.sqlitePath;
  if (listen.port === 0 || inMemory) {
    await run();
    return listen.port;
  }
  if ((await migrationStatus(store.db, store.engine)).pending.length === 0) return listen.port;
  return answerWhileMigrating(listen, run);
}
