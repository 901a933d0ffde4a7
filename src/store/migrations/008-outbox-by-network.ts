import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * The outbox belongs to its network: a foreign key with ON DELETE CASCADE, so a DeleteNetwork
 * also removes messages that a concurrent BatchCreateUser committed while the delete waited
 * (PostgreSQL, READ COMMITTED: the cascade runs on the rows committed by then). Messages also
 * keep the invite code they carry, so the worker can tell at send time whether it still works.
 */
export const outboxByNetwork: MigrationFactory = (engine) => ({
  async up(db: Kysely<any>) {
    // Rows of networks deleted before this migration (the leak it closes) go first.
    await sql`DELETE FROM outbox WHERE network_id NOT IN (SELECT network_id FROM networks)`.execute(
      db,
    );
    if (engine === 'postgres') {
      await sql`ALTER TABLE outbox ADD COLUMN invite_code text`.execute(db);
      await sql`ALTER TABLE outbox ADD CONSTRAINT outbox_network_fk FOREIGN KEY (network_id)
        REFERENCES networks (network_id) ON DELETE CASCADE`.execute(db);
    } else {
      // SQLite adds a foreign key only by rebuilding the table.
      await sql`CREATE TABLE outbox_new (
        id integer PRIMARY KEY AUTOINCREMENT,
        network_id text NOT NULL REFERENCES networks (network_id) ON DELETE CASCADE,
        member_id integer,
        kind text NOT NULL,
        recipient text NOT NULL,
        subject text NOT NULL,
        body_text text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at integer NOT NULL,
        created_at integer NOT NULL,
        sent_at integer,
        last_error text,
        invite_code text)`.execute(db);
      await sql`INSERT INTO outbox_new (id, network_id, member_id, kind, recipient, subject,
          body_text, status, attempts, next_attempt_at, created_at, sent_at, last_error)
        SELECT id, network_id, member_id, kind, recipient, subject, body_text, status, attempts,
          next_attempt_at, created_at, sent_at, last_error FROM outbox`.execute(db);
      await sql`DROP TABLE outbox`.execute(db);
      await sql`ALTER TABLE outbox_new RENAME TO outbox`.execute(db);
      await db.schema
        .createIndex('outbox_due')
        .on('outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('outbox_member')
        .on('outbox')
        .columns(['member_id', 'status'])
        .execute();
    }
    // The cascade finds a network's messages by index rather than by scanning the outbox.
    await db.schema.createIndex('outbox_network').on('outbox').columns(['network_id']).execute();
  },
});
