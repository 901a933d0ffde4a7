/**
 * `wickr-admin migrate`: what the database's schema is against this version (`--status`), what
 * upgrading it would run (`--dry-run`), or the upgrade itself, before the new version's
 * servers start (they would apply it too). docs/upgrading.md.
 */
import type { Command } from 'commander';
import { openStore } from '../../store/database.js';
import {
  isContract,
  knownMigrations,
  migrateToLatest,
  migrationStatus,
  planMigrations,
  type MigrationStatus,
} from '../../store/migrations/index.js';
import { contractingStatements } from '../../store/migrations/rules.js';
import {
  assertDatabaseExists,
  databaseOptions,
  databaseUrlOf,
  describeDatabaseError,
  type DatabaseOptions,
} from '../database.js';
import { out } from '../io.js';

interface MigrateOptions extends DatabaseOptions {
  status?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerMigrate(program: Command): void {
  databaseOptions(
    program
      .command('migrate')
      .description("Upgrade the database's schema to this version (what serve does at start)")
      .option(
        '--status',
        'show applied, pending and newer migrations, and whether this version can serve the database; change nothing',
      )
      .option('--dry-run', 'show the statements the pending migrations would run; change nothing')
      .option('--json', 'with --status or --dry-run: print JSON'),
  ).action(async (opts: MigrateOptions) => {
    const url = databaseUrlOf(opts);
    assertDatabaseExists(url, false);
    const store = await openStore(url, { migrate: false }).catch((err: unknown) => {
      throw describeDatabaseError(err, url);
    });
    try {
      const status = await migrationStatus(store.db, store.engine);
      if (opts.status) {
        out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : describeStatus(status));
        if (!status.canServe) process.exitCode = 1;
        return;
      }
      if (opts.dryRun) {
        const plans = await planMigrations(store.engine, status.pending);
        if (opts.json) out(`${JSON.stringify(plans, null, 2)}\n`);
        else if (plans.length === 0) out('Nothing to apply: the database is up to date.\n');
        else {
          out(
            `Would apply ${plans.length} migration${plans.length === 1 ? '' : 's'} (nothing was changed):\n`,
          );
          for (const p of plans) {
            const contracting = contractingStatements(p.statements);
            out(
              `\n${p.name}${isContract(p.name) ? ' (contract: versions before it cannot serve the database afterwards)' : ''}\n`,
            );
            for (const s of p.statements) out(`  ${s}\n`);
            if (contracting.length > 0 && !isContract(p.name))
              out(
                `  warning: ${contracting.length} statement(s) break the previous release's servers during a rolling upgrade\n`,
              );
          }
        }
        if (!status.canServe) process.exitCode = 1;
        return;
      }
      if (!status.canServe)
        throw new Error(`This version cannot serve this database: ${status.reason}`);
      await migrateToLatest(store.db, store.engine);
      out(
        status.pending.length === 0
          ? 'Nothing to apply: the database is up to date.\n'
          : `Applied ${status.pending.join(', ')}.\n`,
      );
    } finally {
      await store.close();
    }
  });
}

function describeStatus(s: MigrationStatus): string {
  const known = knownMigrations();
  const lines = [
    `Applied: ${s.applied.length} of this version's ${known.length} migrations (last ${s.applied.at(-1) ?? 'none'})`,
    `Pending: ${s.pending.length === 0 ? 'none' : s.pending.join(', ')}`,
    `Newer (applied by a later version): ${s.newer.length === 0 ? 'none' : s.newer.join(', ')}`,
    s.canServe
      ? `This version can serve this database${s.pending.length > 0 ? ' once the pending migrations are applied (serve or migrate applies them)' : ''}.`
      : `This version cannot serve this database: ${s.reason}.`,
  ];
  return `${lines.join('\n')}\n`;
}
