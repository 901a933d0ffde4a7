/**
 * Embedding: a server started in-process (e.g. from a test suite) with typed helpers for the
 * test controls. Each helper answers what its HTTP control (docs/test-controls.md) answers, with
 * the same JSON shape, and fails where it fails with the same error (an ApiError of that name):
 * a test moves between `server.mail()` and `GET /_wickr/mail` without reshaping anything.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditFilter, AuditRecord } from './audit/list.js';
import { generateAccessKeyId } from './auth/keys.js';
import type { ClockState } from './clock.js';
import { configFromEnv, type Config } from './config.js';
import { badRequest, notFound } from './contract/errors.js';
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
import { durationMs, timeOf } from './surfaces/controls/index.js';

/** The server's clock, as `GET|POST|DELETE /_wickr/clock` move it; each answers the new state. */
export interface EmbeddedClock {
  /** `GET /_wickr/clock`. */
  state(): Promise<ClockState>;
  /** `{"set": time}`: epoch milliseconds or an ISO 8601 time. */
  set(time: number | string): Promise<ClockState>;
  /** `{"advance": by}`: milliseconds, or a duration such as `90s`, `15m`, `2h`, `8d` (negative: back). */
  advance(by: number | string): Promise<ClockState>;
  /** `{"freeze": on}`: stop the clock where it is (true) or let it run again (false). */
  freeze(on: boolean): Promise<ClockState>;
  /** `{"signatures": on}`: SigV4's 15-minute window follows this clock too. */
  signatures(on: boolean): Promise<ClockState>;
  /** `DELETE /_wickr/clock`: back to real time. */
  reset(): Promise<ClockState>;
}

export interface EmbeddedFaults {
  /** `POST /_wickr/faults`: the rule as added, with its `id`. */
  add(rule: FaultRuleInput): Promise<FaultRule>;
  /** `GET /_wickr/faults`. */
  list(): Promise<{ rules: FaultRule[] }>;
  /**
   * `DELETE /_wickr/faults/{id}` (the rules left; ResourceNotFoundError for an unknown ID), or
   * without an ID `DELETE /_wickr/faults` (every rule).
   */
  remove(id?: string): Promise<{ rules: FaultRule[] }>;
}

export interface EmbeddedServer {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; accountId: string; region: string };
  server: RunningServer;
  /** `POST /_wickr/reset`: everything, or one account or network. */
  reset(options?: ResetOptions): Promise<{ networks: number }>;
  /** `GET /_wickr/mail`: messages queued and sent, newest first, invite codes parsed out. */
  mail(filter?: MailFilter): Promise<{ messages: MailMessage[] }>;
  /** `DELETE /_wickr/mail`. */
  clearMail(filter?: { networkId?: string; recipient?: string }): Promise<{ deleted: number }>;
  /** `POST /_wickr/seed` (`replace`: `?replace=true`). */
  seed(fixture: FixtureDoc, options?: { replace?: boolean }): Promise<SeedSummary>;
  /** `GET /_wickr/export`: networks in the fixture format; default all. */
  export(options?: { networkIds?: string[]; accountId?: string }): Promise<FixtureDoc>;
  clock: EmbeddedClock;
  faults: EmbeddedFaults;
  /** `GET /_wickr/audit`: audit records, newest first. */
  audit(filter?: AuditFilter): Promise<{ records: AuditRecord[] }>;
  /** `GET /metrics`: the Prometheus text. */
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
    mail: async (f) => ({ messages: await controls.mail(f) }),
    clearMail: async (f) => ({ deleted: await controls.clearMail(f) }),
    seed: async (doc, o) => {
      try {
        return await controls.seed(parseFixture(JSON.stringify(doc)), o);
      } catch (e) {
        // As the route answers: the fixture's and the seeder's refusals are the caller's.
        if (e instanceof Error && e.constructor === Error) throw badRequest(e.message);
        throw e;
      }
    },
    export: (o) => controls.export(o),
    clock: embeddedClock(controls),
    faults: embeddedFaults(controls),
    audit: async (f) => ({ records: await controls.audit(f) }),
    metrics: () => server.metrics.registry.metrics(),
    close: () => server.close(),
  };
}

function embeddedClock(controls: Controls): EmbeddedClock {
  const { clock } = controls;
  // An async function runs up to its first await at once: each moves the clock before the
  // caller awaits, and answers the state after the move (a bad argument: a rejection).
  const after = async (move: () => void): Promise<ClockState> => {
    move();
    return clock.state();
  };
  return {
    state: () => after(() => {}),
    set: (time) => after(() => clock.set(timeOf(time, 'set'))),
    advance: (by) => after(() => clock.advance(durationMs(by, 'advance'))),
    freeze: (on) => after(() => clock.freeze(on)),
    signatures: (on) => after(() => clock.signatures(on)),
    reset: () => after(() => clock.reset()),
  };
}

function embeddedFaults(controls: Controls): EmbeddedFaults {
  const { faults } = controls;
  return {
    add: async (rule) => controls.addFault(rule),
    list: async () => ({ rules: faults.list() }),
    remove: async (id) => {
      if (id === undefined) faults.remove();
      else if (!faults.remove(id)) throw notFound(`There is no fault rule ${id}.`);
      return { rules: faults.list() };
    },
  };
}
