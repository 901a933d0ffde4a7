/**
 * Guest users (activity per billing period and the blocklist), SSO (OIDC) configuration and
 * OpenTDF configuration, all per network and removed with it.
 */
import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

export const guestsSso: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      // One row per guest and billing period: the count of a month is the count of its rows.
      await db.schema
        .createTable('guest_users')
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('username_hash', 'text', (c) => c.notNull())
        .addColumn('billing_period', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lc', 'text', (c) => c.notNull())
        .addColumn('first_seen', big, (c) => c.notNull())
        .addColumn('last_seen', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('guest_users_pk', [
          'network_id',
          'username_hash',
          'billing_period',
        ])
        .execute();
      await db.schema
        .createIndex('guest_users_period')
        .on('guest_users')
        .columns(['network_id', 'billing_period'])
        .execute();

      // Only blocked guests have a row; unblocking deletes it.
      await db.schema
        .createTable('guest_blocks')
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('username_hash', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lc', 'text', (c) => c.notNull())
        .addColumn('admin', 'text', (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('guest_blocks_pk', ['network_id', 'username_hash'])
        .execute();

      await db.schema
        .createTable('oidc_configs')
        .addColumn('network_id', 'text', (c) =>
          c.primaryKey().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('client_secret', 'text')
        .addColumn('custom_username', 'text')
        .addColumn('extra_auth_params', 'text')
        .addColumn('ca_certificate', 'text')
        .addColumn('sso_token_buffer_minutes', 'integer', (c) => c.notNull())
        .addColumn('application_id', 'integer', (c) => c.notNull())
        .addColumn('application_name', 'text', (c) => c.notNull())
        .addColumn('redirect_url', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .execute();

      // CA certificates that made a RegisterOidcConfigTest succeed, for RegisterOidcConfig
      // (whose input has no certificate member) to trust the same issuer.
      await db.schema
        .createTable('oidc_ca_certificates')
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('tested_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('oidc_ca_certificates_pk', ['network_id', 'issuer'])
        .execute();

      await db.schema
        .createTable('opentdf_configs')
        .addColumn('network_id', 'text', (c) =>
          c.primaryKey().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_secret', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const t of [
        'opentdf_configs',
        'oidc_ca_certificates',
        'oidc_configs',
        'guest_blocks',
        'guest_users',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
};
