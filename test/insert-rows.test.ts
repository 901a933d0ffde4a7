// insertRows writes the SQL of a multi-row insert once per shape: it must insert exactly what
// Kysely's own insert does, on both engines, gaps and defaults included.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';
import { insertRows } from '../src/store/insert-rows.js';
import type { OutboxTable } from '../src/store/schema.js';
import type { Insertable } from 'kysely';
import { insertNetworkRow } from './support/network-row.js';
import { createTestDatabase } from './support/postgres.mjs';

const NETWORK = '12345678';

function message(recipient: string, extra: Partial<Insertable<OutboxTable>> = {}) {
  return {
    network_id: NETWORK,
    kind: 'invite',
    recipient,
    subject: 'Hello "you"',
    body_text: 'a\nb',
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: 5,
    created_at: 5,
    ...extra,
  };
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`insertRows on ${engine}`, () => {
    let store: Store;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      if (engine === 'postgres') {
        const database = await createTestDatabase();
        drop = database.drop;
        store = await openStore(database.url);
      } else store = await openStore('sqlite::memory:');
      await insertNetworkRow(store.db, NETWORK, '123456789012');
    });
    afterAll(async () => {
      await store.close();
      await drop?.();
    });

    const read = (prefix: string) =>
      store.db
        .selectFrom('outbox')
        .selectAll()
        .where('recipient', 'like', `${prefix}%`)
        .orderBy('id')
        .execute()
        .then((rows) =>
          rows.map(({ id: _id, recipient, ...rest }) => ({
            recipient: recipient.slice(1),
            ...rest,
          })),
        );

    it('inserts what Kysely inserts, rows that leave columns out included', async () => {
      const rows = (p: string) => [
        message(`${p}1`, { member_id: null, invite_code: 'c1', last_error: null }),
        // Leaves member_id, invite_code and last_error out; undefined counts as left out.
        message(`${p}2`, { invite_code: undefined }),
        message(`${p}3`, { member_id: null, invite_code: 'c3', sent_at: 9 }),
      ];
      await store.db.insertInto('outbox').values(rows('k')).execute();
      await insertRows(store.db, 'outbox', rows('r'));
      const ours = await read('r');
      expect(ours).toHaveLength(3);
      expect(ours).toEqual(await read('k'));
    });

    it('answers the inserted rows, in order, when asked', async () => {
      const ids = await insertRows(store.db, 'outbox', [message('x1'), message('x2')], ['id']);
      expect(ids.map((r) => Object.keys(r))).toEqual([['id'], ['id']]);
      const all = await insertRows(store.db, 'outbox', [message('y1')], '*');
      const [stored] = await store.db
        .selectFrom('outbox')
        .selectAll()
        .where('recipient', '=', 'y1')
        .execute();
      expect(all).toEqual([stored]);
      expect(Number(ids[1]!.id)).toBeGreaterThan(Number(ids[0]!.id));
      expect(Number(all[0]!.id)).toBeGreaterThan(Number(ids[1]!.id));
    });

    it('inserts in the caller’s transaction and reuses a shape with new values', async () => {
      await expect(
        store.db.transaction().execute(async (trx) => {
          await insertRows(trx, 'outbox', [message('t1')]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await insertRows(store.db, 'outbox', [message('t2')]);
      expect((await read('t')).map((r) => r.recipient)).toEqual(['2']);
    });

    it('refuses expressions, which it would bind as values', async () => {
      await expect(
        insertRows(store.db, 'outbox', [message('e1', { sent_at: sql<number>`1` as never })]),
      ).rejects.toThrow(/plain values only/);
    });
  });
}
