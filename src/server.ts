/** Composition root: configuration in, a running server out. */
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { KeyUse } from './auth/keys.js';
import { scimAuthenticator } from './auth/scim-token.js';
import { bootstrapRootKey, serverSecret, type RootCredentials } from './bootstrap.js';
import type { Config } from './config.js';
import { allOperations } from './contract/index.js';
import { Register } from './contract/extensions/invitee.js';
import type { AllHandlers, HandlerMap, Services } from './domain/context.js';
import { UnameCache } from './domain/uname-cache.js';
import { handlers as apiHandlers } from './domain/handlers.js';
import { purgeExpiredTokens } from './pipeline/idempotency.js';
import { Pager } from './domain/pagination.js';
import { Pipeline } from './pipeline/pipeline.js';
import { RateLimiter } from './pipeline/rate-limit.js';
import {
  DEFAULT_LOCKOUT,
  KEY_LOCKOUT,
  SharedBuckets,
  SharedLockout,
} from './pipeline/shared-limits.js';
import { trustedProxiesOf } from './pipeline/source-address.js';
import { HttpAdapter, type Compile } from './protocol/adapter.js';
import { createHttpApp } from './protocol/http.js';
import { restJson1 } from './protocol/rest-json.js';
import { readTls, reloadTls, type TlsFiles } from './protocol/tls.js';
import { openStore, type Store } from './store/database.js';
import { CONNECTION_LOST } from './store/connection-lost.js';
import { probeWrite } from './store/write-probe.js';
import { onAuditRecorded } from './audit/record.js';
import { ensureFilesSink, purgeDeliveries } from './audit/deliveries.js';
import { TrailWorker } from './delivery/trail-worker.js';
import { AuditTrail } from './audit/trail.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, purgeAudit } from './audit/list.js';
import { Clock } from './clock.js';
import { createLogger } from './log.js';
import { parseFixture } from './fixtures/format.js';
import { isLoopbackHost } from './surfaces/bearer.js';
import { LookupAuditRecords } from './surfaces/audit/operations.js';
import { LookupEvents } from './surfaces/cloudtrail/operations.js';
import { cloudTrailProtocol } from './surfaces/cloudtrail/protocol.js';
import { consolePlugin } from './surfaces/console/plugin.js';
import { consoleOperations } from './surfaces/console/operations.js';
import {
  CreateAccessKey,
  ListAccessKeys,
  RevokeAccessKey,
} from './surfaces/console/access-keys.js';
import { GetNetworkDashboard } from './surfaces/console/dashboard.js';
import { consoleProtocol } from './surfaces/console/protocol.js';
import { Controls } from './surfaces/controls/controls.js';
import { FaultInjector } from './surfaces/controls/faults.js';
import { controlsPlugin } from './surfaces/controls/index.js';
import { controlHosts } from './surfaces/controls/guard.js';
import { healthPlugin } from './surfaces/health/index.js';
import { ReadinessCheck } from './surfaces/health/readiness.js';
import { migrateForServer } from './surfaces/health/starting.js';
import { applyRequestTimeouts } from './surfaces/timeouts.js';
import { inviteeHandlers } from './surfaces/invitee/operations.js';
import { inviteeProtocol } from './surfaces/invitee/protocol.js';
import { metricsPlugin } from './surfaces/metrics/index.js';
import { scimHandlers } from './surfaces/scim/operations.js';
import { scimProtocol } from './surfaces/scim/protocol.js';
import { ServerMetrics } from './surfaces/metrics/metrics.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  log: Logger;
  /** e.g. http://127.0.0.1:9425 */
  endpoint: string;
  /** The root key, when this start created it or it came from the environment. */
  rootCredentials?: RootCredentials;
  credentialsFile?: string;
  /** The server's clock (what time-dependent rules read). */
  clock: Clock;
  metrics: ServerMetrics;
  /** The test controls, when on (config.testControls). */
  controls?: Controls;
  /** Serving HTTPS: reads the certificate files again and serves them to new connections. */
  reloadTls?(): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  logger?: Logger;
  /** The time source under the server's clock (default: the real time). */
  now?: () => number;
  /** Handlers of the API's operations to use instead of the domain's (e.g. the benchmark's floor). */
  handlers?: HandlerMap;
  /** Overrides config.checkResponses and WICKR_CHECK_RESPONSES (see Config). */
  checkResponses?: boolean;
}

export async function startServer(
  config: Config,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel);
  if (config.testControls && !config.testControlsToken && !isLoopbackHost(config.host)) {
    throw new Error(
      `The test controls are on and the server listens on ${config.host}, beyond loopback: ` +
        'set WICKR_TEST_CONTROLS_TOKEN (a bearer token the controls then require), or listen on 127.0.0.1.',
    );
  }
  const tlsFiles = tlsFilesOf(config);
  // Read before anything else starts: a wrong path or pair is a start-up error, said plainly.
  const tls = tlsFiles ? readTls(tlsFiles) : undefined;
  const scheme = tls ? 'https' : 'http';
  const clock = new Clock(options.now ?? Date.now);
  const now = clock.now;
  const store = await openStore(config.databaseUrl, {
    migrate: false,
    serverLock: true,
    onConnectionLost: (err, state) => log.warn({ err, state }, CONNECTION_LOST[state]),
  });
  try {
    const port = await migrateForServer(store, config);
    const boot = await bootstrapRootKey(store, config);
    const metrics = new ServerMetrics({
      db: store.db,
      now,
      unameCache: () => services.unameCache,
      pool: () => store.poolStats(),
    });
    onAuditRecorded(store.db, (e) => metrics.auditRecords.labels(e.source, e.outcome).inc());
    const services: Services = {
      now,
      pager: new Pager(await serverSecret(store.db, 'pagination')),
      log,
      config: {
        publicUrl: config.publicUrl ?? `${scheme}://${config.host}:${config.port}`,
        registrationLockout: config.registrationLockout,
        maxUsersPerNetwork: config.maxUsersPerNetwork,
      },
      mailQueued: () => undefined,
      mailSettled: () => Promise.resolve(),
      unameCache: new UnameCache(config.unameCacheEntries),
      onLockout: () => metrics.lockouts.inc(),
    };
    const limiters = makeLimiters(config, store, now, metrics);
    const faults = new FaultInjector();
    const pipeline = makePipeline(config, options, {
      store,
      services,
      clock,
      metrics,
      limiters,
      faults,
    });

    const worker = config.smtpUrl
      ? // Loaded only with SMTP configured: nodemailer is ~90 ms of start-up otherwise.
        new (await import('./delivery/worker.js')).DeliveryWorker(store.db, {
          smtpUrl: config.smtpUrl,
          from: config.mailFrom,
          log,
          now,
          retryMs: config.mailRetryHours * 3_600_000,
          sendTimeoutMs: config.smtpTimeoutMs,
          onAttempt: (outcome) => metrics.deliveries.labels(outcome).inc(),
        })
      : undefined;
    if (worker) services.mailSettled = (networkId) => worker.settled(networkId);
    // The audit trail's webhooks and log files (always: sinks may be added while it runs).
    if (config.auditLogDir) await ensureFilesSink(store.db, config.auditLogDir, now());
    const trail = new TrailWorker(store.db, {
      log,
      now,
      accountId: config.accountId,
      retryMs: config.trailRetryHours * 3_600_000,
      timeoutMs: config.webhookTimeoutMs,
      // Longer than a batch's calls can take, each bounded by its deadline.
      leaseMs: Math.max(config.trailLeaseMs, config.webhookTimeoutMs * 2),
      onAttempt: (kind, outcome) => metrics.trailDeliveries.labels(kind, outcome).inc(),
    });
    services.mailQueued = worker
      ? () => worker.wake()
      : () =>
          log.info(
            'invitation queued in the outbox (no SMTP configured; see wickr-admin outbox list)',
          );

    // Every operation, through one adapter: the API's protocol, the console's, the invitee's,
    // SCIM's.
    const adapter = new HttpAdapter(pipeline);
    adapter.add(restJson1(allOperations));
    adapter.add(consoleProtocol(allOperations));
    adapter.add(inviteeProtocol(allOperations));
    adapter.add(scimProtocol(allOperations));
    adapter.add(cloudTrailProtocol(allOperations));
    const app = createHttpApp(log, adapter, tls ? { https: tls } : {});
    applyRequestTimeouts(app.server, config);
    await app.register(consolePlugin, {});
    await app.register(metricsPlugin, {
      metrics,
      ...(config.metricsToken ? { token: config.metricsToken } : {}),
    });
    const controls = new Controls({
      store,
      clock,
      faults,
      forget: () => {
        services.unameCache.clear();
        // The shared limits live in the database: a whole reset deletes them.
        limiters['access-key'].clear();
      },
      defaults: { accountId: config.accountId, region: 'us-east-1' },
      ...(boot.credentials ? { rootAccessKeyId: boot.credentials.accessKeyId } : {}),
      operations: new Set(allOperations.map((o) => o.name)),
    });
    if (config.testControls) {
      await app.register(controlsPlugin, {
        controls,
        ...(config.testControlsToken ? { token: config.testControlsToken } : {}),
        hosts: controlHosts({
          listenHost: config.host,
          publicUrl: config.publicUrl,
          allowedHosts: config.allowedHosts,
        }),
      });
    }
    if (config.seedFile) {
      const summary = await controls.seedMissing(
        parseFixture(readFileSync(config.seedFile, 'utf8')),
      );
      log.info({ seed: config.seedFile, networks: summary.networks.length }, 'seeded at start');
    }
    const readiness = new ReadinessCheck({
      probe: () => probeWrite(store.db, now()),
      intervalMs: config.readinessProbeMs,
    });
    await app.register(healthPlugin, { readiness });

    await app.listen({ host: config.host, port });
    const address = app.server.address();
    const listening = typeof address === 'object' && address ? address.port : port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const endpoint = `${scheme}://${host}:${listening}`;
    if (!config.publicUrl) services.config.publicUrl = endpoint;

    worker?.start();
    await trail.start();
    const stopPurges = startPurges(store, config, clock, log);

    let closed = false;
    return {
      app,
      store,
      log,
      endpoint,
      clock,
      metrics,
      ...(config.testControls ? { controls } : {}),
      ...(boot.credentials ? { rootCredentials: boot.credentials } : {}),
      ...(boot.credentialsFile ? { credentialsFile: boot.credentialsFile } : {}),
      ...(tlsFiles ? { reloadTls: () => reloadTls(app.server as HttpsServer, tlsFiles) } : {}),
      async close() {
        if (closed) return;
        closed = true;
        // Not ready from now on; still serving for the delay, while load balancers notice.
        readiness.drain();
        if (config.shutdownDelayMs > 0)
          await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        stopPurges();
        // A connection whose request was in flight when the close began stays open after the
        // answer (keep-alive) and held the close until the client let go: end each once idle.
        const idle = setInterval(() => app.server.closeIdleConnections(), 100);
        await app.close().finally(() => clearInterval(idle));
        await worker?.stop();
        await trail.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * Every operation's pipeline: the handlers (the domain's for the API, the surfaces' for the
 * server's own operations), the authentication schemes, limiters, metrics, audit trail, fault
 * rules and trusted proxies its steps use. Returns the compiler the adapter's protocols call.
 */
function makePipeline(
  config: Config,
  options: ServerOptions,
  parts: {
    store: Store;
    services: Services;
    clock: Clock;
    metrics: ServerMetrics;
    limiters: ReturnType<typeof makeLimiters>;
    faults: FaultInjector;
  },
): Compile {
  const { store, services, clock, metrics, limiters } = parts;
  // "Last used" of the Access keys page: every authenticated request notes its key.
  const keyUse = new KeyUse(store.db, clock.now);
  const consoleOps = consoleOperations({
    db: store.db,
    now: clock.now,
    keyUse,
    guard: { address: limiters['sign-in'], key: limiters['sign-in-key'] },
    // Whenever the browser reaches the server over HTTPS: served by it (TLS configured), or by
    // a proxy in front of it that WICKR_PUBLIC_URL names.
    secure: Boolean(config.tlsCertFile) || (config.publicUrl?.startsWith('https:') ?? false),
    mailConfigured: Boolean(config.smtpUrl),
  });
  const handlers: AllHandlers = {
    ...(options.handlers ?? apiHandlers),
    LookupAuditRecords,
    LookupEvents,
    ...consoleOps.handlers,
    GetNetworkDashboard,
    ListAccessKeys,
    CreateAccessKey,
    RevokeAccessKey,
    ...inviteeHandlers,
    ...scimHandlers,
  };
  // SigV4's window and the key cache follow the real time unless the clock is told otherwise.
  const authenticator = new Authenticator(store.db, {
    keyCacheMs: config.keyCacheMs,
    now: clock.signatureNow,
    keyUse,
  });
  const trustedProxies = trustedProxiesOf(config.trustedProxies);
  const pipeline = new Pipeline(store.db, services, handlers, {
    authenticators: {
      sigv4: (req) =>
        authenticator.authenticate({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: req.body ?? Buffer.alloc(0),
        }),
      'sigv4-cloudtrail': (req) =>
        authenticator.authenticate(
          {
            method: req.method,
            url: req.url,
            headers: req.headers,
            body: req.body ?? Buffer.alloc(0),
          },
          'cloudtrail',
        ),
      console: consoleOps.authenticate,
      scim: scimAuthenticator(store.db),
    },
    limiters,
    observer: (operation) => {
      const observer = metrics.forOperation(operation);
      return operation === Register.name ? metrics.countingRegistrations(observer) : observer;
    },
    audit: new AuditTrail(store.db),
    faults: parts.faults,
    ...(trustedProxies ? { trustedProxies } : {}),
    checkResponses:
      options.checkResponses ??
      (config.checkResponses || process.env['WICKR_CHECK_RESPONSES'] === '1'),
    ...(store.changes ? { changes: store.changes } : {}),
  });
  return (spec, entry) => pipeline.compile(spec, entry);
}

/**
 * The limiters operations count requests against (contract trait `limits`): per access key (in
 * memory, per replica: the hot path), and in the database, shared by replicas: per source
 * address and per invitee (the invitee endpoints), and the console's sign-in lockout.
 */
function makeLimiters(config: Config, store: Store, now: () => number, metrics: ServerMetrics) {
  const refusedRegistration = () => metrics.rateLimited.labels('registration').inc();
  const refusedSignIn = () => metrics.rateLimited.labels('sign_in').inc();
  return {
    'access-key': new RateLimiter(config.rateLimit, now, () =>
      metrics.rateLimited.labels('access_key').inc(),
    ),
    address: new SharedBuckets(store.db, config.registrationRateLimit, now, refusedRegistration),
    invitee: new SharedBuckets(
      store.db,
      {
        ratePerSecond: config.registrationRateLimit.ratePerSecond / 2,
        burst: Math.max(1, Math.ceil(config.registrationRateLimit.burst / 2)),
      },
      now,
      refusedRegistration,
    ),
    'sign-in': new SharedLockout(store.db, DEFAULT_LOCKOUT, now, refusedSignIn),
    'sign-in-key': new SharedLockout(store.db, KEY_LOCKOUT, now, refusedSignIn),
  };
}

/** The hourly purges of expired idempotency tokens and of audit records past retention. */
function startPurges(store: Store, config: Config, clock: Clock, log: Logger): () => void {
  const purge = setInterval(() => {
    purgeExpiredTokens(store.db, clock.now()).catch((err: unknown) =>
      log.warn({ err }, 'idempotency purge failed'),
    );
  }, 3_600_000);
  purge.unref();
  const retentionMs = (config.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 86_400_000;
  const purgeAuditTrail = () => {
    if (retentionMs <= 0) return;
    purgeAudit(store.db, clock.now() - retentionMs).catch((err: unknown) =>
      log.warn({ err }, 'audit purge failed'),
    );
    // Settled deliveries go with their records (pending ones stay: they still owe a delivery).
    purgeDeliveries(store.db, clock.now() - retentionMs).catch((err: unknown) =>
      log.warn({ err }, 'trail delivery purge failed'),
    );
  };
  purgeAuditTrail();
  clock.onJump(purgeAuditTrail);
  const auditPurge = setInterval(purgeAuditTrail, 3_600_000);
  auditPurge.unref();
  return () => {
    clearInterval(purge);
    clearInterval(auditPurge);
  };
}

function tlsFilesOf(config: Config): TlsFiles | undefined {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile } = config;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new Error(
      'HTTPS needs both a certificate and its key: set --tls-cert and --tls-key (WICKR_TLS_CERT and WICKR_TLS_KEY), or neither',
    );
  return { certFile, keyFile };
}
