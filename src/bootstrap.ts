/** Start-up chores: the root access key and the server's own secrets. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import { countKeys, createKey, ensureKey } from './auth/keys.js';
import type { Config } from './config.js';
import type { Database } from './store/schema.js';
import type { Store } from './store/database.js';

export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export const CREDENTIALS_PROFILE = 'wickr-local';

/**
 * With WICKR_ROOT_* set, make sure that key exists (idempotent). Otherwise a database without
 * any key gets a random root key, returned once so the caller can print it and, for SQLite,
 * written as an AWS credentials file next to the database.
 */
export async function bootstrapRootKey(
  store: Store,
  config: Config,
): Promise<{ credentials?: RootCredentials; credentialsFile?: string }> {
  if (config.rootAccessKeyId && config.rootSecretAccessKey) {
    const credentials = {
      accessKeyId: config.rootAccessKeyId,
      secretAccessKey: config.rootSecretAccessKey,
      accountId: config.accountId,
    };
    await ensureKey(store.db, credentials);
    return { credentials };
  }
  if ((await countKeys(store.db)) > 0) return {};
  const credentials = await createKey(store.db, { accountId: config.accountId, label: 'root' });
  let credentialsFile: string | undefined;
  if (store.sqlitePath && config.writeCredentialsFile) {
    credentialsFile = join(dirname(store.sqlitePath), 'credentials');
    writeCredentialsFile(credentialsFile, credentials);
  }
  return { credentials, ...(credentialsFile ? { credentialsFile } : {}) };
}

function writeCredentialsFile(file: string, c: RootCredentials): void {
  const section =
    `[${CREDENTIALS_PROFILE}]\n` +
    `aws_access_key_id = ${c.accessKeyId}\n` +
    `aws_secret_access_key = ${c.secretAccessKey}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // Replace an earlier profile of the same name (a database that was deleted and recreated).
  text = text.replace(new RegExp(`\\[${CREDENTIALS_PROFILE}\\][^[]*`, 'g'), '');
  writeFileSync(file, (text.trim() ? `${text.trim()}\n\n` : '') + section, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** A named random secret, created once and shared by every replica through the database. */
export async function serverSecret(db: Kysely<Database>, name: string): Promise<Buffer> {
  const read = () =>
    db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  const existing = await read();
  if (existing) return Buffer.from(existing.value, 'hex');
  await db
    .insertInto('server_secrets')
    .values({ name, value: randomBytes(32).toString('hex') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await read();
  if (!row) throw new Error(`Could not create the server secret "${name}"`);
  return Buffer.from(row.value, 'hex');
}
