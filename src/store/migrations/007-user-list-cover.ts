import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * ListUsers filtered by status and sorted by username (the admin console's default view), at
 * 1M users: a page of 100 read 101 table rows scattered over the file, then probed the
 * membership table 100 times, both from the OS page cache one page at a time (~70 % of the
 * request). Now:
 * - `members.group_ids` holds the member's security groups (comma-separated), kept by
 *   triggers on `member_groups` so every writer keeps it exact;
 * - `members_list_by_status` holds every column the list renders, so a page is a few adjacent
 *   index pages.
 * The narrow `members_kind_status_username` stays: counts scan it, at a quarter of the size.
 * The index must hold what `USER_COLUMNS` (domain/users.ts) selects; a test checks it does.
 *
 * To pay for the wider index on every insert, `members_uname_username` (migration 005) goes:
 * BatchLookupUserUname answers from the uname cache (migration 006) and reads the database
 * only for unames it has not seen, where the unique `members_uname` index and one row read do.
 */
const KEY = ['network_id', 'kind', 'status', 'username_lc', 'member_id'];
const INCLUDED = [
  'username',
  'uname',
  'first_name',
  'last_name',
  'suspended',
  'is_admin',
  'otp_enabled',
  'scim_id',
  'cell',
  'country_code',
  'challenge_failures',
  'invite_code',
  'invite_expires_at',
  'invite_declined_at',
  'code_validation',
  'group_ids',
];

export const userListCover: MigrationFactory = (engine) => ({
  async up(db: Kysely<any>) {
    const list = (cols: string[]) => sql.raw(cols.join(', '));
    const run = (text: string) => sql.raw(text).execute(db);
    await run('DROP INDEX members_uname_username');
    await run(`ALTER TABLE members ADD COLUMN group_ids text NOT NULL DEFAULT ''`);
    if (engine === 'postgres') {
      const groupsOf = (id: string) =>
        `coalesce((SELECT string_agg(group_id, ',' ORDER BY group_id) FROM member_groups
           WHERE member_id = ${id}), '')`;
      await run(`UPDATE members SET group_ids = ${groupsOf('members.member_id')}`);
      await run(`
        CREATE FUNCTION member_groups_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            UPDATE members SET group_ids = ${groupsOf('OLD.member_id')}
              WHERE member_id = OLD.member_id
                AND group_ids IS DISTINCT FROM ${groupsOf('OLD.member_id')};
          END IF;
          IF TG_OP <> 'DELETE' THEN
            UPDATE members SET group_ids = ${groupsOf('NEW.member_id')}
              WHERE member_id = NEW.member_id
                AND group_ids IS DISTINCT FROM ${groupsOf('NEW.member_id')};
          END IF;
          RETURN NULL;
        END $$`);
      await run(`
        CREATE TRIGGER member_groups_listed AFTER INSERT OR DELETE OR UPDATE ON member_groups
          FOR EACH ROW EXECUTE FUNCTION member_groups_changed()`);
      await sql`CREATE INDEX members_list_by_status ON members (${list(KEY)}) INCLUDE (${list(INCLUDED)})`.execute(
        db,
      );
      return;
    }
    // Not group_concat(... ORDER BY ...): SQLite before 3.44 (e.g. an older sqlite3 shell)
    // could not read a schema holding it. The reader sorts the list.
    const groupsOf = (id: string) =>
      `coalesce((SELECT group_concat(group_id, ',') FROM member_groups
         WHERE member_id = ${id}), '')`;
    await run(`UPDATE members SET group_ids = ${groupsOf('members.member_id')}`);
    // Writers that know the groups (BatchCreateUser) store them with the row: the trigger then
    // only checks, and the member's index entries are not rewritten.
    const set = (id: string) =>
      `UPDATE members SET group_ids = ${groupsOf(id)}
         WHERE member_id = ${id} AND group_ids IS NOT ${groupsOf(id)};`;
    await run(
      `CREATE TRIGGER member_groups_listed_insert AFTER INSERT ON member_groups BEGIN ${set('NEW.member_id')} END`,
    );
    await run(
      `CREATE TRIGGER member_groups_listed_delete AFTER DELETE ON member_groups BEGIN ${set('OLD.member_id')} END`,
    );
    await run(
      `CREATE TRIGGER member_groups_listed_update AFTER UPDATE ON member_groups BEGIN ${set('OLD.member_id')} ${set('NEW.member_id')} END`,
    );
    await sql`CREATE INDEX members_list_by_status ON members (${list([...KEY, ...INCLUDED])})`.execute(
      db,
    );
  },
});
