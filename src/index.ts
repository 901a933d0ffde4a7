/** Embedding API: start a server in-process, e.g. from a test suite. */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { configFromEnv, type Config } from './config.js';
import { generateAccessKeyId } from './auth/keys.js';
import type { AuditFilter, AuditRecord } from './audit/list.js';
import type { Clock } from './clock.js';
import { parseFixture, type FixtureDoc } from './fixtures/format.js';
import type { SeedSummary } from './fixtures/seed.js';
import { startServer, type RunningServer } from './server.js';
import type {
  Controls,
  MailFilter,
  MailMessage,
  ResetOptions,
} from './surfaces/controls/controls.js';
import type { FaultRule, FaultRuleInput } from './surfaces/controls/faults.js';

export interface EmbeddedServer {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; accountId: string; region: string };
  server: RunningServer;
  /** Deletes state: everything, or one account or network (POST /_wickr/reset). */
  reset(options?: ResetOptions): Promise<{ networks: number }>;
  /** Messages queued and sent, with invite codes parsed out (GET /_wickr/mail). */
  mail(filter?: MailFilter): Promise<MailMessage[]>;
  /** Empties the mail list (DELETE /_wickr/mail). */
  clearMail(filter?: { networkId?: string; recipient?: string }): Promise<number>;
  /** Loads a fixture (POST /_wickr/seed). */
  seed(fixture: FixtureDoc, options?: { replace?: boolean }): Promise<SeedSummary>;
  /** Networks in the fixture format (GET /_wickr/export); default all. */
  export(options?: { networkIds?: string[]; accountId?: string }): Promise<FixtureDoc>;
  /** The server's clock: set(ms), advance(ms), freeze(on), signatures(on), reset(), now(). */
  clock: Clock;
  faults: {
    add(rule: FaultRuleInput): FaultRule;
    list(): FaultRule[];
    /** One rule, or all without an ID. */
    remove(id?: string): boolean;
  };
  /** Audit records, newest first (GET /_wickr/audit). */
  audit(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** The Prometheus text of GET /metrics. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface EmbedOptions extends Partial<Config> {
  region?: string;
  /** The time source under the server's clock (default: the real time). */
  now?: () => number;
  /** Loaded at start: a fixture, or the path of a JSON or YAML fixture file. */
  fixture?: FixtureDoc | string;
  /**
   * Environment variables read as `serve` reads them (default process.env); pass {} to ignore
   * the environment. Options given here win over both.
   */
  env?: NodeJS.ProcessEnv;
  /** A pino logger to use instead of one made from `logLevel` (e.g. to read the logs in a test). */
  logger?: Logger;
}

/**
 * Starts a server with the test controls on. Unless the environment or the options say
 * otherwise: a free loopback port, an in-memory database, no logs and a fresh root key.
 */
export async function startEmbedded(options: EmbedOptions = {}): Promise<EmbeddedServer> {
  const { region, now, fixture, logger, env = process.env, ...overrides } = options;
  const base = configFromEnv(env);
  const set = (name: string) => Boolean(env[name]);
  const config: Config = {
    ...base,
    port: set('WICKR_PORT') ? base.port : 0,
    databaseUrl: set('WICKR_DATABASE_URL') ? base.databaseUrl : 'sqlite::memory:',
    logLevel: set('WICKR_LOG_LEVEL') ? base.logLevel : 'silent',
    ...(base.rootAccessKeyId && base.rootSecretAccessKey
      ? {}
      : {
          rootAccessKeyId: generateAccessKeyId(),
          rootSecretAccessKey: randomBytes(30).toString('base64url'),
        }),
    writeCredentialsFile: false,
    ...overrides,
    testControls: true,
  };
  if (typeof fixture === 'string') config.seedFile = fixture;
  const server = await startServer(config, {
    ...(now ? { now } : {}),
    ...(logger ? { logger } : {}),
  });
  const controls = server.controls as Controls;
  try {
    if (fixture && typeof fixture !== 'string')
      await controls.seedMissing(parseFixture(JSON.stringify(fixture)));
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    endpoint: server.endpoint,
    credentials: {
      accessKeyId: config.rootAccessKeyId!,
      secretAccessKey: config.rootSecretAccessKey!,
      accountId: config.accountId,
      region: region ?? 'us-east-1',
    },
    server,
    reset: (o) => controls.reset(o),
    mail: (f) => controls.mail(f),
    clearMail: (f) => controls.clearMail(f),
    seed: (doc, o) => controls.seed(parseFixture(JSON.stringify(doc)), o),
    export: (o) => controls.export(o),
    clock: server.clock,
    faults: {
      add: (rule) => controls.addFault(rule),
      list: () => controls.faults.list(),
      remove: (id) => controls.faults.remove(id),
    },
    audit: (f) => controls.audit(f),
    metrics: () => server.metrics.registry.metrics(),
    close: () => server.close(),
  };
}

export { startServer, type RunningServer } from './server.js';
export { configFromEnv, type Config } from './config.js';
export { recordAudit, type AuditEntry } from './audit/record.js';
export type { FixtureDoc } from './fixtures/format.js';
export type { ResetOptions, MailFilter, MailMessage } from './surfaces/controls/controls.js';
export type { FaultRule, FaultRuleInput } from './surfaces/controls/faults.js';
export type { Clock, ClockState } from './clock.js';
export type { AuditFilter, AuditRecord } from './audit/list.js';

// The generic signed Admin API client (the CLI, the tests and the benchmark use it).
export * from './client/index.js';
// For the benchmark's seeding and its floor server: the server's own uname function and handlers.
export { unameOf } from './domain/member-identity.js';
export { handlers } from './domain/handlers.js';
// For the benchmark's networks of many users: a bulk insert through the members owner.
export { seedUsers, type BulkUser, type BulkSeedOptions } from './fixtures/bulk.js';
