/**
 * Bulk seeding of the audit trail for the benchmark (a LookupEvents page over a million
 * records): rows written by the trail's own row builder (record.ts), many a statement and many
 * statements a transaction, without queuing deliveries (a seeded trail has no sinks yet).
 */
import { openStore } from '../store/database.js';
import { insertRows } from '../store/insert-rows.js';
import { rowOf, type AuditEntry } from './record.js';

export interface AuditSeedOptions {
  /** Records a transaction (default 20,000). */
  chunk?: number;
  onProgress?: (done: number) => void;
}

/** Writes `count` records, the i-th made by `entry(i)`, into the database at `databaseUrl`. */
export async function seedAuditRecords(
  databaseUrl: string,
  count: number,
  entry: (i: number) => AuditEntry,
  options: AuditSeedOptions = {},
): Promise<void> {
  const store = await openStore(databaseUrl, { migrate: true });
  try {
    const chunk = options.chunk ?? 20_000;
    // Rows per statement: ~20 columns, well under both engines' bound-parameter limits.
    const STATEMENT = 1000;
    for (let from = 0; from < count; from += chunk) {
      const to = Math.min(count, from + chunk);
      await store.db.transaction().execute(async (trx) => {
        for (let i = from; i < to; i += STATEMENT) {
          const rows = [];
          for (let j = i; j < Math.min(to, i + STATEMENT); j++) rows.push(rowOf(entry(j)));
          await insertRows(trx, 'audit_log', rows);
        }
      });
      options.onProgress?.(to);
    }
  } finally {
    await store.close();
  }
}
