/** Composition root: configuration in, a running server out. */
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { bootstrapRootKey, serverSecret, type RootCredentials } from './bootstrap.js';
import type { Config } from './config.js';
import { operations } from './contract/index.js';
import type { HandlerMap, Services } from './domain/context.js';
import { UnameCache } from './domain/uname-cache.js';
import { handlers } from './domain/handlers.js';
import { purgeExpiredTokens } from './pipeline/idempotency.js';
import { Pager } from './pipeline/pagination.js';
import { Pipeline } from './pipeline/pipeline.js';
import { RateLimiter } from './pipeline/rate-limit.js';
import { binderFor } from './protocol/binding.js';
import { createHttpApp, registerOperation } from './protocol/http.js';
import { openStore, type Store } from './store/database.js';
import { inviteeSurface } from './surfaces/invitee/plugin.js';
import { consolePlugin } from './surfaces/console/plugin.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  log: Logger;
  /** e.g. http://127.0.0.1:9425 */
  endpoint: string;
  /** The root key, when this start created it or it came from the environment. */
  rootCredentials?: RootCredentials;
  credentialsFile?: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  logger?: Logger;
  now?: () => number;
  /** Handlers to use instead of the domain's (e.g. the benchmark's no-op floor). */
  handlers?: HandlerMap;
}

export async function startServer(
  config: Config,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log =
    options.logger ??
    pino({
      level: config.logLevel,
      redact: ['req.headers.authorization', '*.secretAccessKey', '*.secret_access_key'],
    });
  const now = options.now ?? Date.now;
  const store = await openStore(config.databaseUrl);
  try {
    const boot = await bootstrapRootKey(store, config);
    const pager = new Pager(await serverSecret(store.db, 'pagination'));
    const services: Services = {
      now,
      pager,
      log,
      config: {
        publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
        registrationLockout: config.registrationLockout,
        maxUsersPerNetwork: config.maxUsersPerNetwork,
      },
      mailQueued: () => undefined,
      mailSettled: () => Promise.resolve(),
      unameCache: new UnameCache(config.unameCacheEntries),
    };
    const authenticator = new Authenticator(store.db, { keyCacheMs: config.keyCacheMs, now });
    const limiter = new RateLimiter(config.rateLimit, now);
    const pipeline = new Pipeline(
      store.db,
      services,
      authenticator,
      limiter,
      options.handlers ?? handlers,
    );

    const worker = config.smtpUrl
      ? // Loaded only with SMTP configured: nodemailer is ~90 ms of start-up otherwise.
        new (await import('./delivery/worker.js')).DeliveryWorker(store.db, {
          smtpUrl: config.smtpUrl,
          from: config.mailFrom,
          log,
          now,
        })
      : undefined;
    if (worker) services.mailSettled = (networkId) => worker.settled(networkId);
    services.mailQueued = worker
      ? () => worker.wake()
      : () =>
          log.info(
            'invitation queued in the outbox (no SMTP configured; see wickr-admin outbox list)',
          );

    const app = createHttpApp(log);
    await app.register(inviteeSurface, {
      db: store.db,
      services,
      perAddress: new RateLimiter(config.registrationRateLimit, now),
      perUser: new RateLimiter(
        {
          ratePerSecond: config.registrationRateLimit.ratePerSecond / 2,
          burst: Math.max(1, Math.ceil(config.registrationRateLimit.burst / 2)),
        },
        now,
      ),
    });
    const compiled = new Map(
      operations.map((spec) => [spec.name, pipeline.compile(spec, binderFor(spec))]),
    );
    for (const op of compiled.values()) registerOperation(app, op);
    await app.register(consolePlugin, {
      db: store.db,
      log,
      now,
      operations: compiled,
      limiter,
      publicUrl: config.publicUrl,
    });
    app.get('/health', async (_req, reply) => {
      await store.db.selectFrom('server_secrets').select('name').limit(1).execute();
      return reply.type('application/json').send(JSON.stringify({ status: 'ok' }));
    });

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const endpoint = `http://${host}:${port}`;
    if (!config.publicUrl) services.config.publicUrl = endpoint;

    worker?.start();
    const purge = setInterval(() => {
      purgeExpiredTokens(store.db, now()).catch((err: unknown) =>
        log.warn({ err }, 'idempotency purge failed'),
      );
    }, 3_600_000);
    purge.unref();

    let closed = false;
    return {
      app,
      store,
      log,
      endpoint,
      ...(boot.credentials ? { rootCredentials: boot.credentials } : {}),
      ...(boot.credentialsFile ? { credentialsFile: boot.credentialsFile } : {}),
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(purge);
        await app.close();
        await worker?.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
