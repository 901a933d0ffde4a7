/** Keyset pagination over any query: order by sort expressions, resume after a position. */
import { sql, type SelectQueryBuilder } from 'kysely';

export interface Keyset {
  /** SQL expressions (trusted, from code) in sort order; the last must be unique. */
  exprs: string[];
  direction: 'asc' | 'desc';
}

export type PageRow<O> = O & Record<`k${number}`, string | number>;

export async function fetchPage<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  keyset: Keyset,
  after: (string | number)[] | undefined,
  limit: number,
): Promise<{ rows: O[]; next?: (string | number)[] }> {
  if (after && after.length !== keyset.exprs.length) after = undefined;
  const refs = keyset.exprs.map((e) => sql.raw(e));
  let q = qb as unknown as SelectQueryBuilder<DB, TB, Record<string, unknown>>;
  keyset.exprs.forEach((e, i) => {
    q = q.select(sql.raw(e).as(`k${i}`));
  });
  if (after) {
    const op = sql.raw(keyset.direction === 'asc' ? '>' : '<');
    q = q.where(
      sql<boolean>`(${sql.join(refs)}) ${op} (${sql.join(after.map((v) => sql.val(v)))})`,
    );
  }
  for (const r of refs) q = q.orderBy(r, keyset.direction);
  const rows = (await q.limit(limit + 1).execute()) as Record<string, unknown>[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next =
    rows.length > limit && last
      ? keyset.exprs.map((_, i) => last[`k${i}`] as string | number)
      : undefined;
  return { rows: page as O[], ...(next ? { next } : {}) };
}
