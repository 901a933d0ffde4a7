/**
 * Opening the database for an admin command (keys, outbox, seed, export): a SQLite file that
 * does not exist is refused unless --create is given, so a typo cannot create an empty
 * database and print a key that no server accepts; an unreachable server is named as such.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, DEFAULT_DATABASE_URL } from '../config.js';
import { openStore, parseDatabaseUrl, type Store } from '../store/database.js';
import { noSuchFile } from './io.js';

export interface DatabaseOptions {
  database?: string;
  create?: boolean;
}

export const DATABASE_HELP = `sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db (env WICKR_DATABASE_URL, default ${DEFAULT_DATABASE_URL})`;

/** --database; --create for the commands that may make a new database on purpose. */
export function databaseOptions(cmd: Command, { create = false } = {}): Command {
  cmd.option('--database <url>', DATABASE_HELP);
  if (create) cmd.option('--create', 'create the SQLite database file if it does not exist');
  return cmd;
}

export function databaseUrlOf(opts: DatabaseOptions): string {
  return opts.database ?? configFromEnv().databaseUrl;
}

/** Refuses a SQLite file that is not there (unless `create`); other URLs are left alone. */
export function assertDatabaseExists(url: string, create: boolean): void {
  const parsed = parseDatabaseUrl(url);
  if (parsed.engine !== 'sqlite' || parsed.target === ':memory:' || create) return;
  const file = resolve(parsed.target);
  if (!existsSync(file))
    throw noSuchFile(
      file,
      ' (the database does not exist; check --database or WICKR_DATABASE_URL, or pass --create to create it)',
    );
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function connectionCode(err: unknown): string | undefined {
  // The migrator reports a failed connection in its message only ("... failed: Error: connect
  // ECONNREFUSED ..."), so the message is read as well as the codes.
  const named =
    /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(
      err instanceof Error ? err.message : '',
    );
  if (named) return named[1];
  const seen = new Set<unknown>();
  const stack = [err];
  while (stack.length) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    stack.push((e as { cause?: unknown }).cause);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) stack.push(...(inner as unknown[]));
  }
  return undefined;
}

/**
 * "cannot connect to the database at host:port" for a PostgreSQL server that cannot be
 * reached (rather than the migration that happened to run first); other errors unchanged.
 */
export function describeDatabaseError(err: unknown, url: string): unknown {
  const code = connectionCode(err);
  if (!code) return err;
  let where = url;
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || '5432'}`;
  } catch {
    // not a URL: name it as given
  }
  return new Error(`cannot connect to the database at ${where} (${code})`);
}

export async function openAdminStore(opts: DatabaseOptions): Promise<Store> {
  const url = databaseUrlOf(opts);
  assertDatabaseExists(url, opts.create === true);
  try {
    return await openStore(url);
  } catch (err) {
    throw describeDatabaseError(err, url);
  }
}

/** Runs `fn` with the database open, closing it afterwards. */
export async function withStore<T>(
  opts: DatabaseOptions,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openAdminStore(opts);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
