/** Composition root: configuration in, a running server out. */
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { bootstrapRootKey, serverSecret, type RootCredentials } from './bootstrap.js';
import type { Config } from './config.js';
import { operations } from './contract/index.js';
import { sensitivePaths } from './contract/sensitive.js';
import type { HandlerMap, Services } from './domain/context.js';
import { UnameCache } from './domain/uname-cache.js';
import { handlers } from './domain/handlers.js';
import { purgeExpiredTokens } from './pipeline/idempotency.js';
import { Pager } from './domain/pagination.js';
import { Pipeline } from './pipeline/pipeline.js';
import { RateLimiter } from './pipeline/rate-limit.js';
import { binderFor } from './protocol/binding.js';
import { createHttpApp, registerOperation } from './protocol/http.js';
import { readTls, reloadTls, type TlsFiles } from './protocol/tls.js';
import type { Server as HttpsServer } from 'node:https';
import { openStore, type Store } from './store/database.js';
import { CONNECTION_LOST } from './store/pg-pool.js';
import { inviteeSurface } from './surfaces/invitee/plugin.js';
import { onAuditRecorded, recordAudit } from './audit/record.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, purgeAudit } from './audit/list.js';
import { Clock } from './clock.js';
import { parseFixture } from './fixtures/format.js';
import { isLoopbackHost } from './surfaces/bearer.js';
import { Controls } from './surfaces/controls/controls.js';
import { FaultInjector } from './surfaces/controls/faults.js';
import { controlsPlugin } from './surfaces/controls/index.js';
import { controlHosts } from './surfaces/controls/guard.js';
import { metricsPlugin } from './surfaces/metrics/index.js';
import { ServerMetrics } from './surfaces/metrics/metrics.js';
import { readFileSync } from 'node:fs';
import { consolePlugin } from './surfaces/console/plugin.js';
import { auditReadPlugin } from './surfaces/audit/index.js';
import { healthPlugin } from './surfaces/health/index.js';
import { ReadinessCheck } from './surfaces/health/readiness.js';
import { migrateForServer } from './surfaces/health/starting.js';
import { applyRequestTimeouts } from './surfaces/timeouts.js';
import { probeWrite } from './store/write-probe.js';

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
  /** Handlers to use instead of the domain's (e.g. the benchmark's no-op floor). */
  handlers?: HandlerMap;
  /** Overrides config.checkResponses and WICKR_CHECK_RESPONSES (see Config). */
  checkResponses?: boolean;
}

export async function startServer(
  config: Config,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log =
    options.logger ??
    pino({
      level: config.logLevel,
      // The request's credentials, and every member the contract marks sensitive wherever a
      // log line carries an operation's input or output (under any one key).
      redact: ['req.headers.authorization', ...sensitivePaths(operations).map((p) => `*.${p}`)],
    });
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
    const pager = new Pager(await serverSecret(store.db, 'pagination'));
    const services: Services = {
      now,
      pager,
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
    // SigV4's window and the key cache follow the real time unless the clock is told otherwise.
    const authenticator = new Authenticator(store.db, {
      keyCacheMs: config.keyCacheMs,
      now: clock.signatureNow,
    });
    const limiter = new RateLimiter(config.rateLimit, now, () =>
      metrics.rateLimited.labels('access_key').inc(),
    );
    const refusedRegistration = () => metrics.rateLimited.labels('registration').inc();
    const perAddress = new RateLimiter(config.registrationRateLimit, now, refusedRegistration);
    const perUser = new RateLimiter(
      {
        ratePerSecond: config.registrationRateLimit.ratePerSecond / 2,
        burst: Math.max(1, Math.ceil(config.registrationRateLimit.burst / 2)),
      },
      now,
      refusedRegistration,
    );
    const faults = new FaultInjector();
    const pipeline = new Pipeline(
      store.db,
      services,
      authenticator,
      limiter,
      options.handlers ?? handlers,
      {
        checkResponses:
          options.checkResponses ??
          (config.checkResponses || process.env['WICKR_CHECK_RESPONSES'] === '1'),
        faults,
        audit: recordAudit,
        ...(store.changes ? { changes: store.changes } : {}),
      },
    );

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
    services.mailQueued = worker
      ? () => worker.wake()
      : () =>
          log.info(
            'invitation queued in the outbox (no SMTP configured; see wickr-admin outbox list)',
          );

    const app = createHttpApp(log, tls ? { https: tls } : {});
    applyRequestTimeouts(app.server, config);
    // Registration attempts by outcome, from the answers the endpoint gives (counted before
    // the answer leaves; a hook sees only the routes added after it).
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.routeOptions.url === '/client/v1/networks/:networkId/register') {
        const s = reply.statusCode;
        metrics.registrations
          .labels(s < 300 ? 'success' : s === 429 ? 'limited' : s >= 500 ? 'error' : 'refused')
          .inc();
      }
      return payload;
    });
    await app.register(inviteeSurface, { db: store.db, services, perAddress, perUser });
    const compiled = new Map(
      operations.map((spec) => [spec.name, pipeline.compile(spec, binderFor(spec))]),
    );
    for (const op of compiled.values())
      registerOperation(app, op, metrics.forOperation(op.spec.name));
    await app.register(consolePlugin, {
      db: store.db,
      log,
      now,
      operations: compiled,
      limiter,
      publicUrl: config.publicUrl,
    });
    await app.register(auditReadPlugin, { db: store.db, authenticator, limiter, now });
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
        limiter.clear();
        perAddress.clear();
        perUser.clear();
      },
      defaults: { accountId: config.accountId, region: 'us-east-1' },
      ...(boot.credentials ? { rootAccessKeyId: boot.credentials.accessKeyId } : {}),
      operations: new Set(operations.map((o) => o.name)),
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
    const purge = setInterval(() => {
      purgeExpiredTokens(store.db, now()).catch((err: unknown) =>
        log.warn({ err }, 'idempotency purge failed'),
      );
    }, 3_600_000);
    purge.unref();
    const retentionMs = (config.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 86_400_000;
    const purgeAuditTrail = () => {
      if (retentionMs <= 0) return;
      purgeAudit(store.db, now() - retentionMs).catch((err: unknown) =>
        log.warn({ err }, 'audit purge failed'),
      );
    };
    purgeAuditTrail();
    clock.onJump(purgeAuditTrail);
    const auditPurge = setInterval(purgeAuditTrail, 3_600_000);
    auditPurge.unref();

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
        clearInterval(purge);
        clearInterval(auditPurge);
        // A connection whose request was in flight when the close began stays open after the
        // answer (keep-alive) and held the close until the client let go: end each once idle.
        const idle = setInterval(() => app.server.closeIdleConnections(), 100);
        await app.close().finally(() => clearInterval(idle));
        await worker?.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
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
