/**
 * Indexes that performance depends on and that nothing else would notice losing: a covering
 * index stops covering silently when the query selects one more column.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newMember } from '../src/domain/owners/members.js';
import { USER_COLUMNS } from '../src/domain/users.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { openStore, type Store } from '../src/store/database.js';
import type { Database } from '../src/store/schema.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';

describe('covering indexes (SQLite)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterAll(async () => {
    await store.close();
  });

  const columnsOf = async (index: string) =>
    (
      await sql<{ name: string }>`SELECT name FROM pragma_index_info(${index})`.execute(store.db)
    ).rows.map((r) => r.name);

  it('members_list_by_status holds every column ListUsers renders', async () => {
    const cols = await columnsOf('members_list_by_status');
    expect(cols.slice(0, 5)).toEqual(['network_id', 'kind', 'status', 'username_lc', 'member_id']);
    for (const c of USER_COLUMNS) expect(cols).toContain(c);
  });

  it('a page by status sorted by username never reads the table', async () => {
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
      SELECT ${sql.raw(USER_COLUMNS.join(', '))}, username_lc AS k0, member_id AS k1 FROM members
      WHERE network_id = '1' AND kind = 'user' AND status = 1 AND (username_lc, member_id) > ('a', 0)
      ORDER BY username_lc, member_id LIMIT 101`.execute(store.db);
    expect(plan.rows.map((r) => r.detail).join('\n')).toContain(
      'USING COVERING INDEX members_list_by_status',
    );
  });

  it('members.group_ids follows member_groups, whoever writes it', async () => {
    await sql`INSERT INTO networks (network_id, account_id, region, network_name, access_level,
      standing, migration_state, uname_key, settings, created_at)
      VALUES ('1', '000000000000', 'us-east-1', 'n', 'STANDARD', 1, 0, '00', '{}', 0)`.execute(
      store.db,
    );
    const { member_id: id } = await store.db
      .insertInto('members')
      .values(newMember({ network_id: '1', uname_key: '00' }, 'user', 'alice', 0))
      .returning('member_id')
      .executeTakeFirstOrThrow();
    const groups = async () =>
      (
        await store.db
          .selectFrom('members')
          .select('group_ids')
          .where('member_id', '=', id)
          .executeTakeFirstOrThrow()
      ).group_ids
        .split(',')
        .filter(Boolean)
        .sort();
    expect(await groups()).toEqual([]);
    const add = (g: string) =>
      store.db
        .insertInto('member_groups')
        .values({ member_id: id, network_id: '1', group_id: g })
        .execute();
    await add('g2');
    await add('g1');
    expect(await groups()).toEqual(['g1', 'g2']);
    await store.db
      .updateTable('member_groups')
      .set({ group_id: 'g3' })
      .where('group_id', '=', 'g2')
      .execute();
    expect(await groups()).toEqual(['g1', 'g3']);
    await store.db.deleteFrom('member_groups').where('group_id', '=', 'g1').execute();
    expect(await groups()).toEqual(['g3']);
  });

  it('a uname lookup seeks the unique uname index, even without statistics', async () => {
    // Without sqlite_stat1 the planner would scan the network in the covering list index.
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
      SELECT uname, username FROM members INDEXED BY members_uname
      WHERE network_id = '1' AND uname IN ('a', 'b')`.execute(store.db);
    expect(plan.rows.map((r) => r.detail).join('\n')).toContain('USING INDEX members_uname (');
  });
});

describe('the user list on SQLite, as the server queries it', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded();
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads every page by status from the covering index, never the table', async () => {
    const client = adminClient(server);
    const { networkId, groupId } = await networkWithGroup(client, 'list-plan');
    for (let batch = 0; batch < 4; batch++) {
      await client.call('BatchCreateUser', {
        networkId,
        users: Array.from({ length: 50 }, (_, i) => ({
          username: `u${batch}-${i}@example.com`,
          securityGroupIds: [groupId],
        })),
      });
    }
    const db = server.server.store.db as Kysely<Database>;
    // With statistics (a bulk import runs ANALYZE), the planner prefers the narrow index.
    await sql`ANALYZE`.execute(db);
    const executor = db.getExecutor();
    const statements: CompiledQuery[] = [];
    const run = executor.executeQuery.bind(executor);
    const spy = vi.spyOn(executor, 'executeQuery').mockImplementation((query: CompiledQuery) => {
      statements.push(query);
      return run(query);
    });
    try {
      for (const sortDirection of ['ASC', 'DESC'] as const) {
        // The first page and a later one (a keyset position after the first user).
        const first = await client.call('ListUsers', {
          networkId,
          status: 1,
          sortFields: 'username',
          sortDirection,
          maxResults: 2,
        });
        expect(first.users).toHaveLength(2);
        await client.call('ListUsers', {
          networkId,
          status: 1,
          sortFields: 'username',
          sortDirection,
          maxResults: 2,
          nextToken: first.nextToken!,
        });
      }
    } finally {
      spy.mockRestore();
    }
    const pages = statements.filter((q) => /from "members"/i.test(q.sql) && /limit/i.test(q.sql));
    expect(pages).toHaveLength(4);
    for (const q of pages) {
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]),
      );
      expect(plan.rows.map((r) => r.detail).join('\n')).toContain(
        'USING COVERING INDEX members_list_by_status',
      );
    }
  });
});
