/** The usernames BatchLookupUserUname reads when its cache cannot answer (the API's hot path). */
import { sql, type Kysely } from 'kysely';
import { engineOf } from './database.js';
import type { Database } from './schema.js';

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
