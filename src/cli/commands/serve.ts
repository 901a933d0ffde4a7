/** `wickr-admin serve`: the API server, until SIGTERM or SIGINT. */
import { Command, InvalidArgumentError } from 'commander';
import { CREDENTIALS_PROFILE } from '../../bootstrap.js';
import { configFromEnv, type Config } from '../../config.js';
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
    // Printed once: the only time the generated secret is shown.
    out(
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
