/** Migrations as code, applied in order at start (and by every CLI command). */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Engine } from '../database.js';
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
import { auditRepeats } from './013-audit-repeats.js';

export type MigrationFactory = (engine: Engine) => Migration;

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
  '013-audit-repeats': auditRepeats,
};

export async function migrateToLatest(db: Kysely<any>, engine: Engine): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: () =>
      Promise.resolve(
        Object.fromEntries(Object.entries(all).map(([name, make]) => [name, make(engine)])),
      ),
  };
  // Numbers 008-011 were handed out to parallel work and land in any order: a database that
  // already ran 011 must still accept 008 when it arrives, rather than call itself corrupted.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
    );
  }
}
