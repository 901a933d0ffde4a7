/**
 * The queries of BatchLookupUserUname, the API's hot path: the network's lookup version
 * (read with the tenancy check) and the usernames of a set of unames.
 */
import { sql, type Kysely } from 'kysely';
import { compiledQuery } from './compiled.js';
import { engineOf } from './database.js';
import type { Database } from './schema.js';

/** The network's lookup_version, when it belongs to the account and region (compiled once). */
export const lookupVersionOf = compiledQuery<
  [networkId: string, accountId: string, region: string],
  { lookup_version: number }
>((db) =>
  db
    .selectFrom('networks')
    .select('lookup_version')
    .where('network_id', '=', '')
    .where('account_id', '=', '')
    .where('region', '=', ''),
);

/** The members of a network holding these (lowercase) unames. */
export async function usernamesByUname(
  db: Kysely<Database>,
  networkId: string,
  unames: Iterable<string>,
): Promise<{ uname: string; username: string }[]> {
  // SQLite without statistics (a database never ANALYZEd) would rather scan the network in
  // the covering list index than seek the unique uname index once per uname: name it.
  const members = engineOf(db) === 'sqlite' ? sql`members INDEXED BY members_uname` : sql`members`;
  const { rows } = await sql<{ uname: string; username: string }>`
    SELECT uname, username FROM ${members}
    WHERE network_id = ${networkId} AND uname IN (${sql.join([...unames])})`.execute(db);
  return rows;
}
