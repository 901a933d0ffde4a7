/** Helpers every resource module uses: sorting and paging, IDs, batch messages. */
import { randomInt } from 'node:crypto';
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { validationError } from '../contract/errors.js';
import { engineOf } from '../store/database.js';
import { fetchPage, type Keyset } from '../store/keyset.js';
import type { Ctx } from './context.js';

export const DEFAULT_PAGE_SIZE = 10;

export interface ListParams {
  nextToken?: string;
  maxResults?: number;
  sortFields?: string;
  sortDirection?: 'ASC' | 'DESC';
}

/**
 * Resolves `sortFields` ("a+b", as documented) against the fields an operation accepts
 * (name → SQL expression) and appends `tiebreak` so the order is total.
 */
export function sortKeyset(
  params: ListParams,
  allowed: Record<string, string>,
  defaults: string[],
  tiebreak: string,
): Keyset {
  const names = params.sortFields ? params.sortFields.split(/[+ ,]/).filter(Boolean) : defaults;
  const lower = new Map(Object.keys(allowed).map((k) => [k.toLowerCase(), k]));
  const exprs: string[] = [];
  for (const n of names) {
    const key = lower.get(n.toLowerCase());
    if (!key) {
      throw validationError([
        {
          field: 'sortFields',
          reason: `"${n}" is not a sortable field; use one of: ${Object.keys(allowed).join(', ')} (several joined with '+')`,
        },
      ]);
    }
    const expr = allowed[key]!;
    if (!exprs.includes(expr)) exprs.push(expr);
  }
  if (!exprs.includes(tiebreak)) exprs.push(tiebreak);
  return { exprs, direction: params.sortDirection === 'ASC' ? 'asc' : 'desc' };
}

/** Runs one page of a keyset query and returns the rows plus the signed `nextToken`. */
export async function listPage<DB, TB extends keyof DB, O>(
  ctx: Ctx,
  scope: string,
  qb: SelectQueryBuilder<DB, TB, O>,
  keyset: Keyset,
  params: ListParams,
  sqliteIndex?: { table: string; index: string },
): Promise<{ rows: O[]; nextToken?: string }> {
  // The token is bound to the query (filters, order) it was issued for.
  const fullScope = `${scope}|${keyset.exprs.join(',')}|${keyset.direction}`;
  const after = ctx.services.pager.decode(fullScope, params.nextToken);
  const hint =
    sqliteIndex && engineOf(ctx.db) === 'sqlite' ? { db: ctx.db, ...sqliteIndex } : undefined;
  const page = await fetchPage(qb, keyset, after, params.maxResults ?? DEFAULT_PAGE_SIZE, hint);
  return {
    rows: page.rows,
    ...(page.next ? { nextToken: ctx.services.pager.encode(fullScope, page.next) } : {}),
  };
}

export const digits = (n: number) => () => {
  let s = String(1 + randomInt(9));
  while (s.length < n) s += String(randomInt(10));
  return s;
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const opaqueId = (n: number) => () => {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
};

export const epochSeconds = (ms: number) => Math.floor(ms / 1000);
export const flag = (b: boolean | undefined): 0 | 1 => (b ? 1 : 0);

/** The message batch operations return: counts of what succeeded and failed. */
export function batchMessage(verb: string, ok: number, failed: number): string {
  return `${ok} ${ok === 1 ? 'item' : 'items'} ${verb}, ${failed} failed.`;
}

/**
 * Batch items that repeat an earlier one (same key): index → the earlier item's index. The
 * first is processed; each repeat is answered in `failed` (see repeatReason).
 */
export function repeatsOf<T>(items: readonly T[], key: (t: T) => string): Map<number, number> {
  const first = new Map<string, number>();
  const repeats = new Map<number, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else repeats.set(i, at);
  });
  return repeats;
}

/** The `reason` of a batch item that repeats an earlier one. */
export const repeatReason = (list: string, index: number, first: number, what: string) =>
  `${list}[${index}] repeats ${list}[${first}] (${what}); only the first is processed.`;

/** Distinct values in request order. */
export function distinct<T>(items: readonly T[], key: (t: T) => string = String): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = key(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * `expr` (a column, or SQL over one) contains `value`, case-insensitively: the value is folded
 * in JS and wildcards are taken literally. The ESCAPE character is named because SQLite has no
 * default one. `expr` must already be lowercase (a *_lc column, or `lower(...)`).
 */
export function containsFolded(expr: string, value: string): RawBuilder<boolean> {
  const pattern = `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.raw(expr)} like ${pattern} escape '\\'`;
}
