/** The wickr-admin command. */
import { Command, InvalidArgumentError } from 'commander';
import { configFromEnv, DEFAULT_DATABASE_URL } from '../config.js';
import { startServer } from '../server.js';
import { createKey, listKeys, revokeKey } from '../auth/keys.js';
import { openStore } from '../store/database.js';
import { CREDENTIALS_PROFILE } from '../bootstrap.js';
import { listOutbox } from '../delivery/outbox.js';
import { registerUserCommands } from './users.js';
import { registerFixtureCommands } from './fixtures.js';

const program = new Command();
program
  .name('wickr-admin')
  .description('A self-hosted, wire-compatible AWS Wickr Admin API server and its admin tools')
  .showHelpAfterError();

const databaseOption = (cmd: Command) =>
  cmd.option(
    '--database <url>',
    `sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db (env WICKR_DATABASE_URL, default ${DEFAULT_DATABASE_URL})`,
  );

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('not a port number');
  return n;
};

function dbUrl(opts: { database?: string }): string {
  return opts.database ?? configFromEnv().databaseUrl;
}

databaseOption(
  program
    .command('serve')
    .description('Run the API server')
    .option('--host <host>', 'address to listen on (env WICKR_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env WICKR_PORT, default 9425)', port),
).action(async (opts: { host?: string; port?: number; database?: string }) => {
  const config = configFromEnv();
  if (opts.host) config.host = opts.host;
  if (opts.port !== undefined) config.port = opts.port;
  if (opts.database) config.databaseUrl = opts.database;
  const server = await startServer(config);
  const created = server.rootCredentials && !config.rootAccessKeyId;
  if (created && server.rootCredentials) {
    // Printed once: the only time the generated secret is shown.
    process.stdout.write(
      `\nCreated a root access key for account ${server.rootCredentials.accountId}:\n` +
        `  aws_access_key_id     = ${server.rootCredentials.accessKeyId}\n` +
        `  aws_secret_access_key = ${server.rootCredentials.secretAccessKey}\n` +
        (server.credentialsFile
          ? `Written to ${server.credentialsFile} as profile "${CREDENTIALS_PROFILE}" ` +
            `(use AWS_SHARED_CREDENTIALS_FILE=${server.credentialsFile} AWS_PROFILE=${CREDENTIALS_PROFILE}).\n`
          : '') +
        '\n',
    );
  }
  server.log.info(
    { endpoint: server.endpoint, database: redactUrl(config.databaseUrl) },
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
});

const keys = program.command('keys').description('Manage access keys');

databaseOption(
  keys
    .command('create')
    .description('Create an access key; prints {"accessKeyId","secretAccessKey","accountId"}')
    .requiredOption('--account <id>', '12-digit account ID')
    .option('--actions <list>', 'comma-separated allowed actions (default wickr:*)')
    .option('--networks <list>', 'comma-separated network IDs the key is limited to')
    .option('--label <text>', 'a note to recognise the key by')
    .option('--user <name>', "the key owner's user name, as an IAM user's (default root)"),
).action(
  async (opts: {
    account: string;
    user?: string;
    actions?: string;
    networks?: string;
    label?: string;
    database?: string;
  }) => {
    await withStore(opts, async (db) => {
      const key = await createKey(db, {
        accountId: opts.account,
        ...(opts.actions ? { actions: split(opts.actions) } : {}),
        ...(opts.networks ? { networks: split(opts.networks) } : {}),
        ...(opts.label ? { label: opts.label } : {}),
        ...(opts.user !== undefined ? { userName: opts.user } : {}),
      });
      process.stdout.write(`${JSON.stringify(key)}\n`);
    });
  },
);

databaseOption(keys.command('list').description('List access keys (never their secrets)')).action(
  async (opts: { database?: string }) => {
    await withStore(opts, async (db) => {
      process.stdout.write(`${JSON.stringify(await listKeys(db), null, 2)}\n`);
    });
  },
);

databaseOption(
  keys.command('revoke').description('Revoke an access key').argument('<accessKeyId>'),
).action(async (id: string, opts: { database?: string }) => {
  await withStore(opts, async (db) => {
    if (!(await revokeKey(db, id))) throw new Error(`No active access key ${id}`);
    process.stdout.write(`Revoked ${id}\n`);
  });
});

const outbox = program.command('outbox').description('Invitation e-mails and their delivery state');

databaseOption(
  outbox
    .command('list')
    .description('List outbox messages, newest first, as JSON')
    .option('--status <status>', 'pending, sent, failed or superseded')
    .option('--network <id>', 'only this network')
    .option('--limit <n>', 'at most this many (default 100)', (v) => Number(v)),
).action(async (opts: { status?: string; network?: string; limit?: number; database?: string }) => {
  if (opts.status && !['pending', 'sent', 'failed', 'superseded'].includes(opts.status)) {
    throw new Error('--status must be pending, sent, failed or superseded');
  }
  await withStore(opts, async (db) => {
    const rows = await listOutbox(db, {
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.network ? { networkId: opts.network } : {}),
      ...(opts.limit ? { limit: opts.limit } : {}),
    });
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  });
});

registerFixtureCommands(program);

function split(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function withStore(
  opts: { database?: string },
  fn: (db: Awaited<ReturnType<typeof openStore>>['db']) => Promise<void>,
): Promise<void> {
  const store = await openStore(dbUrl(opts));
  try {
    await fn(store.db);
  } finally {
    await store.close();
  }
}

registerUserCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`wickr-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
