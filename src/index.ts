/** Embedding API: start a server in-process, e.g. from a test suite. */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { configFromEnv, type Config } from './config.js';
import { generateAccessKeyId } from './auth/keys.js';
import { startServer, type RunningServer } from './server.js';

export interface EmbeddedServer {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; accountId: string; region: string };
  server: RunningServer;
  close(): Promise<void>;
}

export interface EmbedOptions extends Partial<Config> {
  region?: string;
  now?: () => number;
  /** A pino logger to use instead of one made from `logLevel` (e.g. to read the logs in a test). */
  logger?: Logger;
}

/**
 * Starts a server on a free loopback port with an in-memory database (unless told
 * otherwise) and a fresh root key.
 */
export async function startEmbedded(options: EmbedOptions = {}): Promise<EmbeddedServer> {
  const { region, now, logger, ...overrides } = options;
  const base = configFromEnv({});
  const config: Config = {
    ...base,
    port: 0,
    databaseUrl: 'sqlite::memory:',
    logLevel: 'silent',
    rootAccessKeyId: generateAccessKeyId(),
    rootSecretAccessKey: randomBytes(30).toString('base64url'),
    writeCredentialsFile: false,
    ...overrides,
  };
  const server = await startServer(config, {
    ...(now ? { now } : {}),
    ...(logger ? { logger } : {}),
  });
  return {
    endpoint: server.endpoint,
    credentials: {
      accessKeyId: config.rootAccessKeyId!,
      secretAccessKey: config.rootSecretAccessKey!,
      accountId: config.accountId,
      region: region ?? 'us-east-1',
    },
    server,
    close: () => server.close(),
  };
}

export { startServer, type RunningServer } from './server.js';
export { configFromEnv, type Config } from './config.js';
