/** `wickr-admin serve`: the API server, until SIGTERM or SIGINT. */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { findKey } from '../../auth/keys.js';
import { CREDENTIALS_PROFILE, type RootCredentials } from '../../bootstrap.js';
import { readIni } from '../../client/credentials.js';
import { configFromEnv, type Config } from '../../config.js';
import type { Database } from '../../store/schema.js';
import { startServer } from '../../server.js';
import { databaseOptions, describeDatabaseError } from '../database.js';
import { out, warn } from '../io.js';

const port = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
};

/** Listening on every interface, links in e-mails would name an address nobody can reach. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

export function registerServe(program: Command): void {
  databaseOptions(
    program
      .command('serve')
      .description('Run the API server')
      .option('--host <host>', 'address to listen on (env WICKR_HOST, default 127.0.0.1)')
      .option('--port <port>', 'port to listen on (env WICKR_PORT, default 9425)', port)
      .option(
        '--test-controls',
        'serve the test controls under /_wickr/ (env WICKR_TEST_CONTROLS=1; beyond loopback they need WICKR_TEST_CONTROLS_TOKEN)',
      )
      .option(
        '--seed <file>',
        'load this fixture at start, keeping networks that exist (env WICKR_SEED)',
      )
      .option(
        '--tls-cert <file>',
        'serve HTTPS with this PEM certificate chain (env WICKR_TLS_CERT; with --tls-key; read again on SIGHUP)',
      )
      .option('--tls-key <file>', 'the private key of --tls-cert, PEM (env WICKR_TLS_KEY)'),
  ).action(
    async (opts: {
      host?: string;
      port?: number;
      database?: string;
      testControls?: boolean;
      seed?: string;
      tlsCert?: string;
      tlsKey?: string;
    }) => {
      const config = configFromEnv();
      if (opts.testControls) config.testControls = true;
      if (opts.seed) config.seedFile = opts.seed;
      if (opts.host) config.host = opts.host;
      if (opts.port !== undefined) config.port = opts.port;
      if (opts.database) config.databaseUrl = opts.database;
      if (opts.tlsCert) config.tlsCertFile = opts.tlsCert;
      if (opts.tlsKey) config.tlsKeyFile = opts.tlsKey;
      await serve(config);
    },
  );
}

async function serve(config: Config): Promise<void> {
  if (WILDCARD_HOSTS.has(config.host) && !config.publicUrl) {
    warn(
      `listening on ${config.host} without WICKR_PUBLIC_URL: links in invitation e-mails will name ` +
        `the server's own address, which other machines cannot use; set WICKR_PUBLIC_URL to the URL users reach it at`,
    );
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (err) {
    throw describeDatabaseError(err, config.databaseUrl);
  }
  const region = process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || 'us-east-1';
  // A client on this machine reaches a wildcard listener at the loopback address.
  const endpoint = server.endpoint.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//127.0.0.1');
  const created = server.rootCredentials && !config.rootAccessKeyId;
  if (created && server.rootCredentials) {
    const inMemory = server.store.engine === 'sqlite' && !server.store.sqlitePath;
    out(createdKeyText(server.rootCredentials, server.credentialsFile, inMemory));
  } else if (server.store.sqlitePath) {
    const profile = await profileBeside(server.store.sqlitePath, server.store.db);
    if (profile?.valid) out(`Credentials: ${shellLines(profileEnv(profile.file)).join('; ')}\n`);
    else if (profile)
      warn(
        `${profile.file} names key ${profile.accessKeyId} as profile "${CREDENTIALS_PROFILE}", ` +
          `which this database does not hold (it belongs to an earlier database): do not use it`,
      );
  }
  // Networks belong to a region (the signature's), so the hint names one.
  out(
    `Wickr Admin API at ${endpoint}; e.g. aws wickr list-networks --endpoint-url ${endpoint} --region ${region}` +
      // A certificate from a private CA: the AWS tools need to be told of it.
      (config.tlsCertFile ? ' (--ca-bundle <CA file> for a private CA)' : '') +
      '\n',
  );
  server.log.info(
    { endpoint: server.endpoint, region, database: redactUrl(config.databaseUrl) },
    'listening',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  // SIGHUP: serving HTTPS, read the certificate again (a renewal); otherwise stop, as before.
  process.on('SIGHUP', () => {
    if (!server.reloadTls) return stop('SIGHUP');
    try {
      server.reloadTls();
      server.log.info({ cert: config.tlsCertFile }, 'TLS certificate reloaded');
    } catch (err) {
      server.log.error({ err }, 'TLS certificate not reloaded; still serving the previous one');
    }
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * What a shell needs to call this server with the AWS CLI or boto3: the variables to set, and
 * those to unset because they would win over them or name a profile that is not there.
 */
interface ShellEnv {
  unset: string[];
  set: [string, string][];
}

/** The profile the server wrote: a key that lasts as long as its database. */
const profileEnv = (file: string): ShellEnv => ({
  // Keys in the environment win over a profile (botocore's order).
  unset: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
  set: [
    ['AWS_SHARED_CREDENTIALS_FILE', resolve(file)],
    ['AWS_PROFILE', CREDENTIALS_PROFILE],
  ],
});

/** The key itself: an in-memory database's key ends with the server, so no file holds it. */
const keyEnv = (c: RootCredentials): ShellEnv => ({
  // A profile named by AWS_PROFILE must exist, and an old session token would be sent along.
  unset: ['AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_SESSION_TOKEN'],
  set: [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
  ],
});

const shellWord = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

function shellLines(env: ShellEnv): string[] {
  return [
    `unset ${env.unset.join(' ')}`,
    `export ${env.set.map(([k, v]) => `${k}=${shellWord(v)}`).join(' ')}`,
  ];
}

/** Printed once, when this start created the root key: the only time its secret is shown. */
function createdKeyText(
  c: RootCredentials,
  credentialsFile: string | undefined,
  inMemory: boolean,
): string {
  const env = credentialsFile ? profileEnv(credentialsFile) : keyEnv(c);
  return (
    `\nCreated a root access key for account ${c.accountId} (the secret is shown only now):\n` +
    `  aws_access_key_id     = ${c.accessKeyId}\n` +
    `  aws_secret_access_key = ${c.secretAccessKey}\n` +
    (credentialsFile
      ? `Written to ${credentialsFile} as profile "${CREDENTIALS_PROFILE}".\n`
      : inMemory
        ? 'The database is in memory: the key ends with this server, and no file holds it.\n'
        : '') +
    '\nFor the AWS CLI and boto3, in a shell on this machine:\n' +
    shellLines(env)
      .map((l) => `  ${l}\n`)
      .join('') +
    '\n'
  );
}

/**
 * The profile the server wrote beside a SQLite database on its first start, if there is one, and
 * whether this database still holds its key (a database created anew with WICKR_ROOT_* keeps
 * the file of the one before, naming a key it does not have).
 */
async function profileBeside(
  sqlitePath: string,
  db: Kysely<Database>,
): Promise<{ file: string; accessKeyId: string; valid: boolean } | undefined> {
  const file = join(dirname(sqlitePath), 'credentials');
  if (!existsSync(file)) return undefined;
  let accessKeyId: string | undefined;
  try {
    accessKeyId = readIni(readFileSync(file, 'utf8'))
      .get(CREDENTIALS_PROFILE)
      ?.get('aws_access_key_id');
  } catch {
    return undefined;
  }
  if (!accessKeyId) return undefined;
  const key = await findKey(db, accessKeyId);
  return { file, accessKeyId, valid: key !== undefined && key.revoked_at === null };
}
