import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

export const initial: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const serial = (c: any) =>
    engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement();
  const serialType = engine === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('access_keys')
        .addColumn('access_key_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_access_key', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('networks', 'text')
        .addColumn('label', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .execute();

      await db.schema
        .createTable('id_registry')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('id_registry_pk', ['kind', 'id'])
        .execute();

      await db.schema
        .createTable('networks')
        .addColumn('network_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('network_name', 'text', (c) => c.notNull())
        .addColumn('access_level', 'text', (c) => c.notNull())
        .addColumn('encryption_key_arn', 'text')
        .addColumn('standing', 'integer', (c) => c.notNull())
        .addColumn('free_trial_expiration', big)
        .addColumn('migration_state', 'integer', (c) => c.notNull())
        .addColumn('uname_key', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('networks_owner')
        .on('networks')
        .columns(['account_id', 'region', 'network_id'])
        .execute();

      await db.schema
        .createTable('security_groups')
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('active_directory_guid', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('security_groups_pk', ['network_id', 'group_id'])
        .execute();

      await db.schema
        .createTable('members')
        .addColumn('member_id', serialType, serial)
        .addColumn('network_id', 'text', (c) =>
          c.notNull().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lc', 'text', (c) => c.notNull())
        .addColumn('uname', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        // Lowercased in JS (full Unicode): SQL lower() is ASCII-only on SQLite.
        .addColumn('first_name_lc', 'text')
        .addColumn('last_name_lc', 'text')
        .addColumn('display_name', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('suspended', 'integer', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull())
        .addColumn('otp_enabled', 'integer', (c) => c.notNull())
        .addColumn('scim_id', 'text')
        .addColumn('cell', 'text')
        .addColumn('country_code', 'text')
        .addColumn('invite_code', 'text')
        .addColumn('invite_code_custom', 'integer', (c) => c.notNull())
        .addColumn('invite_expires_at', big)
        .addColumn('invite_ttl_days', 'integer', (c) => c.notNull())
        .addColumn('invite_declined_at', big)
        .addColumn('code_validation', 'integer', (c) => c.notNull())
        .addColumn('challenge_failures', 'integer', (c) => c.notNull())
        .addColumn('challenge_hash', 'text')
        .addColumn('pubkey', 'text')
        .addColumn('group_id', 'text')
        .addColumn('last_login', big)
        .addColumn('last_activity', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('members_username')
        .unique()
        .on('members')
        .columns(['network_id', 'username_lc'])
        .execute();
      await db.schema
        .createIndex('members_uname')
        .unique()
        .on('members')
        .columns(['network_id', 'uname'])
        .execute();
      await db.schema
        .createIndex('members_kind_status_username')
        .on('members')
        .columns(['network_id', 'kind', 'status', 'username_lc', 'member_id'])
        .execute();
      await db.schema
        .createIndex('members_kind_username')
        .on('members')
        .columns(['network_id', 'kind', 'username_lc', 'member_id'])
        .execute();

      await db.schema
        .createTable('member_groups')
        .addColumn('member_id', big, (c) =>
          c.notNull().references('members.member_id').onDelete('cascade'),
        )
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('member_groups_pk', ['member_id', 'group_id'])
        .execute();
      await db.schema
        .createIndex('member_groups_by_group')
        .on('member_groups')
        .columns(['network_id', 'group_id', 'member_id'])
        .execute();

      await db.schema
        .createTable('devices')
        .addColumn('app_id', 'text', (c) => c.primaryKey())
        .addColumn('member_id', big, (c) =>
          c.notNull().references('members.member_id').onDelete('cascade'),
        )
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('device_name', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('status_text', 'text', (c) => c.notNull())
        .addColumn('suspended', 'integer', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('last_login', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_member').on('devices').columns(['member_id']).execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', serialType, serial)
        .addColumn('network_id', 'text', (c) => c.notNull())
        .addColumn('member_id', big)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body_text', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('sent_at', big)
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('outbox_due')
        .on('outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('idempotency')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('response', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'token'])
        .execute();
      await db.schema
        .createIndex('idempotency_age')
        .on('idempotency')
        .columns(['created_at'])
        .execute();

      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
};
