import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * `networks.lookup_version` changes whenever a member of the network is added, removed or
 * renamed: the in-process uname cache (domain/uname-cache.ts) trusts its entries only while
 * the version it filled them at is still the network's. Triggers keep it, so that every
 * writer (any handler, `seed`, another replica, a hand-written SQL fix) moves it.
 *
 * The values come from one database-wide clock, never a per-network counter: a network
 * deleted and created again under the same ID (`seed --replace`) must not meet a version
 * that a cache still holds.
 */
export const lookupVersion: MigrationFactory = (engine) => ({
  async up(db: Kysely<any>) {
    if (engine === 'postgres') {
      await sql`CREATE SEQUENCE lookup_clock`.execute(db);
      await sql`ALTER TABLE networks ADD COLUMN lookup_version bigint NOT NULL DEFAULT nextval('lookup_clock')`.execute(
        db,
      );
      await sql`
        CREATE FUNCTION members_lookup_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            UPDATE networks SET lookup_version = nextval('lookup_clock')
              WHERE network_id = OLD.network_id;
          END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.network_id <> OLD.network_id) THEN
            UPDATE networks SET lookup_version = nextval('lookup_clock')
              WHERE network_id = NEW.network_id;
          END IF;
          RETURN NULL;
        END $$`.execute(db);
      await sql`
        CREATE TRIGGER members_lookup_insert_delete AFTER INSERT OR DELETE ON members
          FOR EACH ROW EXECUTE FUNCTION members_lookup_changed()`.execute(db);
      await sql`
        CREATE TRIGGER members_lookup_update AFTER UPDATE OF network_id, uname, username ON members
          FOR EACH ROW
          WHEN (OLD.network_id IS DISTINCT FROM NEW.network_id
             OR OLD.uname IS DISTINCT FROM NEW.uname
             OR OLD.username IS DISTINCT FROM NEW.username)
          EXECUTE FUNCTION members_lookup_changed()`.execute(db);
      return;
    }
    // SQLite: one writer at a time, so a one-row clock costs no contention.
    await sql`CREATE TABLE lookup_clock (id integer PRIMARY KEY CHECK (id = 1), tick integer NOT NULL)`.execute(
      db,
    );
    await sql`INSERT INTO lookup_clock (id, tick) VALUES (1, 0)`.execute(db);
    await sql`ALTER TABLE networks ADD COLUMN lookup_version integer NOT NULL DEFAULT 0`.execute(
      db,
    );
    const bump = (id: string) => `
      UPDATE lookup_clock SET tick = tick + 1 WHERE id = 1;
      UPDATE networks SET lookup_version = (SELECT tick FROM lookup_clock WHERE id = 1)
        WHERE network_id = ${id};`;
    const triggers = [
      `CREATE TRIGGER networks_lookup_insert AFTER INSERT ON networks BEGIN ${bump('NEW.network_id')} END`,
      `CREATE TRIGGER members_lookup_insert AFTER INSERT ON members BEGIN ${bump('NEW.network_id')} END`,
      `CREATE TRIGGER members_lookup_delete AFTER DELETE ON members BEGIN ${bump('OLD.network_id')} END`,
      `CREATE TRIGGER members_lookup_update AFTER UPDATE OF network_id, uname, username ON members
         WHEN OLD.network_id IS NOT NEW.network_id OR OLD.uname IS NOT NEW.uname
           OR OLD.username IS NOT NEW.username
       BEGIN ${bump('OLD.network_id')} ${bump('NEW.network_id')} END`,
    ];
    for (const t of triggers) await sql.raw(t).execute(db);
    // Networks that exist already each get a distinct version.
    await sql`UPDATE networks SET lookup_version = rowid`.execute(db);
    await sql`UPDATE lookup_clock SET tick = (SELECT coalesce(max(rowid), 0) FROM networks)`.execute(
      db,
    );
  },
});
