/**
 * `wickr-admin backup --to FILE` and `wickr-admin restore --from FILE`: a consistent copy of a
 * SQLite database taken while the server runs, and its restore (never over a database a
 * server holds). PostgreSQL has its own tools for both, documented in docs/operations.md.
 */
import type { Command } from 'commander';
import { parseDatabaseUrl } from '../../store/database.js';
import { backupSqlite, restoreSqlite, type DatabaseSummary } from '../backup.js';
import {
  assertDatabaseExists,
  databaseOptions,
  databaseUrlOf,
  type DatabaseOptions,
} from '../database.js';
import { out } from '../io.js';

const POSTGRES_HINT =
  'for PostgreSQL use pg_dump and pg_restore, as docs/operations.md ("Backups") describes';

/** The SQLite file a command acts on, or a clear refusal for the other kinds of database. */
function sqliteFile(url: string, verb: string): string {
  const parsed = parseDatabaseUrl(url);
  if (parsed.engine === 'postgres')
    throw new Error(`${verb} works on SQLite files: ${POSTGRES_HINT}`);
  if (parsed.target === ':memory:')
    throw new Error(
      `an in-memory database cannot be ${verb === 'backup' ? 'backed up' : 'restored'}`,
    );
  return parsed.target;
}

const describe = (s: DatabaseSummary) =>
  `${(s.bytes / 1_048_576).toFixed(1)} MB: ${s.networks} networks, ${s.users} users, ` +
  `${s.pendingInvitations} invitations queued, ${s.migrations.length} migrations (last ${s.migrations.at(-1) ?? 'none'})`;

export function registerBackupCommands(program: Command): void {
  databaseOptions(
    program
      .command('backup')
      .description('Copy a SQLite database while the server runs (consistent as of one commit)')
      .requiredOption('--to <file>', 'the backup file to write (must not exist)'),
  ).action(async (opts: DatabaseOptions & { to: string }) => {
    const url = databaseUrlOf(opts);
    const file = sqliteFile(url, 'backup');
    assertDatabaseExists(url, false);
    const summary = await backupSqlite(file, opts.to);
    out(`Backed up ${file} to ${opts.to} (${describe(summary)})\n`);
  });

  databaseOptions(
    program
      .command('restore')
      .description('Replace a SQLite database with a backup (refused while a server holds it)')
      .requiredOption('--from <file>', 'the backup file to restore'),
  ).action(async (opts: DatabaseOptions & { from: string }) => {
    const file = sqliteFile(databaseUrlOf(opts), 'restore');
    const summary = await restoreSqlite(opts.from, file);
    out(`Restored ${opts.from} to ${file} (${describe(summary)})\n`);
  });
}
