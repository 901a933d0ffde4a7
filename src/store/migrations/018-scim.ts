import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * SCIM 2.0 provisioning (docs/scim.md). An expand migration only (docs/upgrading.md):
 *
 * - `scim_tokens`: the bearer tokens an identity provider provisions one network with. Only a
 *   token's SHA-256 is stored; a token belongs to one network and goes with it (ON DELETE
 *   CASCADE); a revoked one keeps its row (revoked_at) so that audit records still name it.
 * - an index of members by (network_id, scim_id): a SCIM user's `externalId` is kept in the
 *   existing `scim_id` column (the API's `scimId`), which the `externalId eq` filter of Okta
 *   and Entra ID looks up. The previous release neither reads nor writes it differently.
 */
export const scim: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('scim_tokens')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .execute();
      await db.schema
        .createIndex('scim_tokens_hash')
        .ifNotExists()
        .on('scim_tokens')
        .column('token_hash')
        .execute();
      await db.schema
        .createIndex('scim_tokens_network')
        .ifNotExists()
        .on('scim_tokens')
        .column('network_id')
        .execute();
      await db.schema
        .createIndex('members_scim_id')
        .ifNotExists()
        .on('members')
        .columns(['network_id', 'scim_id'])
        .execute();
    },
  };
};
