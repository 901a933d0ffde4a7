/**
 * Migrations as code, applied in order at start (and by every CLI command that opens the
 * database, and by `wickr-admin migrate`).
 *
 * The rule every migration follows: EXPAND, THEN CONTRACT (docs/upgrading.md). During a
 * rolling upgrade the previous release's servers keep serving the database the new release
 * has migrated, so a migration may only add: tables, columns that are nullable or have a
 * default (or are kept by a trigger), indexes (`ifNotExists()`, so that one can be built
 * beforehand with CREATE INDEX CONCURRENTLY), triggers, rows. It never drops, renames or
 * retypes what the previous release reads or writes, never adds a constraint the previous
 * release's writes could break, and the new code serves rows the previous release writes
 * (which never fill the new columns). What the new release no longer needs is removed by a
 * later CONTRACT migration, named `NNN-contract-<what>`, once no server of the release that
 * used it remains. A server refuses to start on a database holding a contract migration it
 * does not know; expand migrations it does not know (applied by a newer release beside it)
 * it tolerates. `rules.ts` lists the statements an expand migration may not run, and
 * test/upgrade.test.ts checks every migration newer than the last release against them and
 * runs that release's server beside this one on one PostgreSQL database.
 */
import {
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type Migration,
  type MigrationProvider,
  type QueryResult,
} from 'kysely';
import type { Engine } from '../engine.js';
import type { MigrationFactory } from './migration.js';
import { initial } from './001-initial.js';
import { dataRetention } from './002-data-retention.js';
import { guestsSso } from './003-guests-sso.js';
import { outboxByMember } from './004-outbox-by-member.js';
import { unameLookupCover } from './005-uname-lookup-cover.js';
import { lookupVersion } from './006-lookup-version.js';
import { userListCover } from './007-user-list-cover.js';
import { outboxByNetwork } from './008-outbox-by-network.js';
import { keyOwners } from './009-key-owners.js';
import { consoleSessions } from './011-console-sessions.js';
import { audit } from './010-audit.js';
import { outboxNetworkIndex } from './012-outbox-network-index.js';
import { healthProbe } from './013-health-probe.js';
import { auditRepeats } from './014-audit-repeats.js';
import { keyUseRegistrations } from './016-key-use-registrations.js';
import { scim } from './018-scim.js';
import { limitCounters } from './015-limit-counters.js';
import { cloudtrail } from './017-cloudtrail.js';

const all: Record<string, MigrationFactory> = {
  '001-initial': initial,
  '002-data-retention': dataRetention,
  '003-guests-sso': guestsSso,
  '004-outbox-by-member': outboxByMember,
  '005-uname-lookup-cover': unameLookupCover,
  '006-lookup-version': lookupVersion,
  '007-user-list-cover': userListCover,
  '008-outbox-by-network': outboxByNetwork,
  '009-key-owners': keyOwners,
  '011-console-sessions': consoleSessions,
  '010-audit': audit,
  '012-outbox-network-index': outboxNetworkIndex,
  '013-health-probe': healthProbe,
  '014-audit-repeats': auditRepeats,
  '016-key-use-registrations': keyUseRegistrations,
  '018-scim': scim,
  '015-limit-counters': limitCounters,
  '017-cloudtrail': cloudtrail,
};

/** The migrations this version knows, in the order they apply. */
export const knownMigrations = (): string[] => Object.keys(all).sort();

/** A contract migration removes what an older release still uses (see the rule above). */
export const isContract = (name: string): boolean => /^\d{3}-contract-/.test(name);

export interface MigrationStatus {
  /** Known to this version and applied. */
  applied: string[];
  /** Known to this version, not applied yet: `serve` or `migrate` applies them. */
  pending: string[];
  /** Applied by a newer version, unknown to this one. */
  newer: string[];
  /** Whether this version can serve the database (after applying what is pending). */
  canServe: boolean;
  /** Why not, when it cannot. */
  reason?: string;
}

/** What the database holds against what this version knows; reads only. */
export async function migrationStatus(db: Kysely<any>, engine: Engine): Promise<MigrationStatus> {
  const known = knownMigrations();
  const executed = await executedMigrations(db, engine);
  const newer = executed.filter((n) => !known.includes(n)).sort();
  const contracts = newer.filter(isContract);
  return {
    applied: known.filter((n) => executed.includes(n)),
    pending: known.filter((n) => !executed.includes(n)),
    newer,
    canServe: contracts.length === 0,
    ...(contracts.length > 0
      ? {
          reason:
            `a newer version has removed what this version uses (migration ${contracts.join(', ')}); ` +
            'run that version or a later one, or restore a backup made before it',
        }
      : {}),
  };
}

export async function migrateToLatest(db: Kysely<any>, engine: Engine): Promise<void> {
  const status = await migrationStatus(db, engine);
  if (!status.canServe)
    throw new Error(`This version cannot serve this database: ${status.reason}`);
  // A newer version's expand migrations, applied already: known to the migrator as done, so
  // that it does not take the database for a corrupted one.
  const done: Migration = { up: () => Promise.resolve() };
  const provider: MigrationProvider = {
    getMigrations: () =>
      Promise.resolve({
        ...Object.fromEntries(status.newer.map((name) => [name, done])),
        ...Object.fromEntries(Object.entries(all).map(([name, make]) => [name, make(engine)])),
      }),
  };
  // Numbers 008-011 were handed out to parallel work and land in any order: a database that
  // already ran 011 must still accept 008 when it arrives, rather than call itself corrupted.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      // What failed (e.g. a connection refused) stays readable for the CLI's messages.
      { cause: error },
    );
  }
}

/** Names recorded by Kysely's migrator; none on a database never migrated. */
async function executedMigrations(db: Kysely<any>, engine: Engine): Promise<string[]> {
  const exists =
    engine === 'postgres'
      ? sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`
      : sql<{
          t: string | null;
        }>`SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'`;
  const found = (await exists.execute(db)).rows[0]?.t;
  if (!found) return [];
  const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

export interface PlannedMigration {
  name: string;
  /** The statements it would run, in order, compiled for the engine. */
  statements: string[];
}

/**
 * The statements each pending migration would run, without running them: each migration runs
 * against a connection that records what it is asked and answers every read with no rows.
 * (A migration whose statements depend on what it reads would show those of an empty
 * database; ours run fixed statements.)
 */
export async function planMigrations(
  engine: Engine,
  names: readonly string[],
): Promise<PlannedMigration[]> {
  const plans: PlannedMigration[] = [];
  for (const name of names) {
    const make = all[name];
    if (!make) throw new Error(`no migration named ${name}`);
    const statements: string[] = [];
    const recorder = recordingDb(engine, statements);
    try {
      await make(engine).up(recorder);
    } finally {
      await recorder.destroy();
    }
    plans.push({ name, statements });
  }
  return plans;
}

function recordingDb(engine: Engine, statements: string[]): Kysely<any> {
  const connection: DatabaseConnection = {
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const params = query.parameters.length ? `  -- ${JSON.stringify(query.parameters)}` : '';
      statements.push(`${query.sql.replace(/\s+/g, ' ').trim()}${params}`);
      return Promise.resolve({ rows: [] });
    },
    // eslint-disable-next-line require-yield
    async *streamQuery() {
      return;
    },
  };
  const driver: Driver = {
    init: () => Promise.resolve(),
    acquireConnection: () => Promise.resolve(connection),
    beginTransaction: () => Promise.resolve(),
    commitTransaction: () => Promise.resolve(),
    rollbackTransaction: () => Promise.resolve(),
    releaseConnection: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  };
  const pg = engine === 'postgres';
  return new Kysely<any>({
    dialect: {
      createAdapter: () => (pg ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => driver,
      createIntrospector: (db) => (pg ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (pg ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}
