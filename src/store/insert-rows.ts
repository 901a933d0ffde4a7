/**
 * Multi-row INSERTs whose SQL is written once per shape. Kysely builds an operation node for
 * every value and compiles them all on each call: for a batch of 50 users (1,250 values) and
 * their 50 invitations that was ~10 % of BatchCreateUser's time, yet the SQL depends only on
 * the table, the columns and the row count. Kysely still runs the statement (its connection,
 * transaction and the statement cache), so only the building is done here.
 */
import { CompiledQuery, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.js';
import { engineOf } from './database.js';

const MAX_SHAPES = 200;
const shapes = new Map<string, string>();

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Inserts `rows` into `table` in one statement, as `insertInto(table).values(rows)` would: the
 * columns are every key any row sets, and a row without one gets the column's default
 * (SQLite: NULL, as Kysely writes it there). `returning: '*'` answers the inserted rows.
 */
export async function insertRows<T extends keyof Database>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  returning?: '*' | readonly (keyof Database[T] & string)[],
): Promise<Selectable<Database[T]>[]> {
  if (rows.length === 0) return [];
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows)
    for (const [k, v] of Object.entries(row))
      if (v !== undefined && !seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const postgres = engineOf(db) === 'postgres';
  const params: unknown[] = [];
  // Which rows leave which columns out (usually none): part of the statement's shape.
  let gaps = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    for (let c = 0; c < columns.length; c++) {
      const v = row[columns[c]!];
      if (v === undefined) gaps += `${r}.${c},`;
      else if (typeof v === 'object' && v !== null && 'toOperationNode' in v)
        throw new Error(
          `insertRows binds plain values only; ${table}.${columns[c]} is an expression`,
        );
      else params.push(v);
    }
  }
  const ret = returning === undefined ? '' : returning === '*' ? '*' : returning.join(',');
  const key = `${postgres ? 'p' : 's'}|${table}|${columns.join(',')}|${rows.length}|${gaps}|${ret}`;
  let text = shapes.get(key);
  if (text === undefined) {
    text = shapeSql(table, columns, rows, postgres, returning);
    if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, text);
  }
  const result = await db.executeQuery<Selectable<Database[T]>>(CompiledQuery.raw(text, params));
  return result.rows;
}

function shapeSql(
  table: string,
  columns: string[],
  rows: readonly object[],
  postgres: boolean,
  returning: '*' | readonly string[] | undefined,
): string {
  let n = 0;
  const missing = postgres ? 'default' : 'null';
  const tuples = rows.map((row) => {
    const r = row as Record<string, unknown>;
    return `(${columns.map((c) => (r[c] === undefined ? missing : postgres ? `$${++n}` : '?')).join(', ')})`;
  });
  const ret =
    returning === undefined
      ? ''
      : ` returning ${returning === '*' ? '*' : returning.map(quote).join(', ')}`;
  return `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}${ret}`;
}
