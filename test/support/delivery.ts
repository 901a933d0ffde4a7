// For the delivery tests: an SMTP receiver in the test's process whose replies the test
// decides, a peer that accepts connections and never speaks, a database of either engine, and
// small readers of the outbox.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import type { EmbeddedServer } from '../../src/index.js';
import type { Database, OutboxRow } from '../../src/store/schema.js';
import { createTestDatabase } from './postgres.mjs';

export interface Received {
  at: number;
  networkId: string;
  to: string;
}

/** An SMTP reply refusing a recipient, e.g. { code: 451, message: '4.7.1 Try again later' }. */
export interface Refusal {
  code: number;
  message: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on loopback: when each message arrived, and for which
 * network (from the outbox's Message-ID). `refuse` answers RCPT TO for a recipient, or lets it
 * through with undefined.
 */
export async function startReceiver(
  options: { port?: number; refuse?: (recipient: string) => Refusal | undefined } = {},
): Promise<Receiver> {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    // close() ends the connections the client keeps in its pool at once.
    closeTimeout: 50,
    onRcptTo(address, _session, callback) {
      const refusal = options.refuse?.(address.address);
      if (!refusal) return callback();
      callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        const id = /Message-ID: <outbox-\d+\.(\d{8})@/i.exec(data);
        received.push({
          at: Date.now(),
          networkId: id?.[1] ?? '',
          to: session.envelope.rcptTo[0]?.address ?? '',
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (connections to it are refused). */
export async function freePort(): Promise<number> {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  return port;
}

/** A peer that accepts TCP connections and never says a word (no SMTP greeting). */
export async function silentPeer(port = 0) {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Connections accepted so far. */
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A database of the engine's own: a SQLite file, or a PostgreSQL database. */
export async function databaseFor(engine: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (engine === 'postgres') return createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'wickr-delivery-'));
  return {
    url: `sqlite:${join(dir, 'w.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const dbOf = (s: EmbeddedServer) => s.server.store.db as Kysely<Database>;

/** Messages still to be sent. */
export async function pendingMail(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The outbox rows of a network, oldest first. */
export async function outboxOf(db: Kysely<Database>, networkId: string): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('network_id', '=', networkId)
    .orderBy('id')
    .execute();
}

/** Polls `pred` until it holds; fails after `ms` saying what it waited for. */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  what = 'a condition',
  ms = 30_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
