/** Configuration: flags of `serve` override environment variables, which override defaults. */
import { trustedProxiesOf } from './pipeline/source-address.js';

export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  accountId: string;
  rootAccessKeyId?: string;
  rootSecretAccessKey?: string;
  smtpUrl?: string;
  mailFrom: string;
  /**
   * Hours a queued e-mail is retried after temporary failures (4xx replies, an unreachable or
   * silent server), counted from when it was queued, before it is marked failed.
   */
  mailRetryHours: number;
  /** The deadline of each SMTP send: connecting, the greeting and every reply included. */
  smtpTimeoutMs: number;
  publicUrl?: string;
  logLevel: string;
  /** Per access key: requests per second and burst; rate 0 disables the limit. */
  rateLimit: { ratePerSecond: number; burst: number };
  /** Registration endpoint, per source address. */
  registrationRateLimit: { ratePerSecond: number; burst: number };
  registrationLockout: number;
  maxUsersPerNetwork: number;
  keyCacheMs: number;
  /** Entries of the in-process uname → username cache (BatchLookupUserUname); 0 disables it. */
  unameCacheEntries: number;
  /** Write a generated root key as an AWS credentials file next to the SQLite file. */
  writeCredentialsFile: boolean;
  /**
   * Fail any response with a member its operation's output does not declare, or of the wrong
   * type (WICKR_CHECK_RESPONSES=1; the test suites set it). Undeclared members are always
   * left out of the JSON; this makes them an error.
   */
  checkResponses: boolean;
  /** The test controls under /_wickr/ (docs/test-controls.md). */
  testControls: boolean;
  /** Bearer token of the test controls; required when they listen beyond loopback. */
  testControlsToken?: string;
  /** Bearer token of GET /metrics; without one the metrics are open. */
  metricsToken?: string;
  /** A fixture loaded at start, idempotently (networks that exist are left alone). */
  seedFile?: string;
  /** Days audit records are kept; 0 keeps them for ever. */
  auditRetentionDays: number;
  /** HTTPS: the PEM certificate chain and private key files (both or neither); read again on SIGHUP. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** More host names the test controls answer to (WICKR_ALLOWED_HOSTS, comma-separated). */
  allowedHosts: string[];
  /** Milliseconds a client has to send a request's headers, and the whole request; 0: no limit. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** GET /health/ready probes the database's writes at most this often (ms). */
  readinessProbeMs: number;
  /** On shutdown: milliseconds of answering "not ready" (still serving) before closing. */
  shutdownDelayMs: number;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (WICKR_TRUSTED_PROXIES): addresses or
   * CIDR blocks, separated by commas or blanks. Default: none, and the header is ignored.
   */
  trustedProxies?: string;
  /**
   * The audit trail's log files (WICKR_AUDIT_LOG_DIR): a directory the server writes CloudTrail
   * log files to (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/...json.gz).
   */
  auditLogDir?: string;
  /** Hours a webhook or log-file delivery is retried before it is marked failed. */
  trailRetryHours: number;
  /** The deadline of each webhook call (ms). */
  webhookTimeoutMs: number;
  /** How long a worker holds the deliveries it took (ms): a dead replica's are due after it. */
  trailLeaseMs: number;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/wickr.db';

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const num = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  const positive = (name: string, fallback: number): number => {
    const n = num(name, fallback);
    if (n === 0) throw new Error(`${name} must be greater than 0`);
    return n;
  };
  const headersTimeoutMs = num('WICKR_HEADERS_TIMEOUT_MS', 20_000);
  const requestTimeoutMs = num('WICKR_REQUEST_TIMEOUT_MS', 60_000);
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs)
    throw new Error(
      `WICKR_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed WICKR_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  const accountId = env['WICKR_ACCOUNT_ID'] || '000000000000';
  if (!/^\d{12}$/.test(accountId))
    throw new Error(`WICKR_ACCOUNT_ID must be 12 digits, got "${accountId}"`);
  return {
    host: env['WICKR_HOST'] || '127.0.0.1',
    port: num('WICKR_PORT', 9425),
    databaseUrl: env['WICKR_DATABASE_URL'] || DEFAULT_DATABASE_URL,
    accountId,
    ...(env['WICKR_ROOT_ACCESS_KEY_ID']
      ? { rootAccessKeyId: env['WICKR_ROOT_ACCESS_KEY_ID'] }
      : {}),
    ...(env['WICKR_ROOT_SECRET_ACCESS_KEY']
      ? { rootSecretAccessKey: env['WICKR_ROOT_SECRET_ACCESS_KEY'] }
      : {}),
    ...(env['WICKR_SMTP_URL'] ? { smtpUrl: env['WICKR_SMTP_URL'] } : {}),
    mailFrom: env['WICKR_MAIL_FROM'] || 'Wickr Admin <no-reply@wickr.local>',
    mailRetryHours: num('WICKR_MAIL_RETRY_HOURS', 120),
    smtpTimeoutMs: positive('WICKR_SMTP_TIMEOUT_MS', 60_000),
    ...(env['WICKR_PUBLIC_URL'] ? { publicUrl: env['WICKR_PUBLIC_URL'] } : {}),
    logLevel: env['WICKR_LOG_LEVEL'] || 'info',
    rateLimit: {
      ratePerSecond: num('WICKR_RATE_LIMIT_RPS', 2000),
      burst: num('WICKR_RATE_LIMIT_BURST', 4000),
    },
    registrationRateLimit: {
      ratePerSecond: num('WICKR_REGISTRATION_RATE_LIMIT_RPS', 1),
      burst: num('WICKR_REGISTRATION_RATE_LIMIT_BURST', 20),
    },
    registrationLockout: num('WICKR_REGISTRATION_LOCKOUT', 5),
    maxUsersPerNetwork: num('WICKR_MAX_USERS_PER_NETWORK', 10_000_000),
    keyCacheMs: num('WICKR_KEY_CACHE_MS', 1000),
    unameCacheEntries: Math.floor(num('WICKR_UNAME_CACHE_ENTRIES', 100_000)),
    writeCredentialsFile: true,
    checkResponses: env['WICKR_CHECK_RESPONSES'] === '1',
    testControls: ['1', 'true', 'yes', 'on'].includes(
      (env['WICKR_TEST_CONTROLS'] ?? '').toLowerCase(),
    ),
    ...(env['WICKR_TEST_CONTROLS_TOKEN']
      ? { testControlsToken: env['WICKR_TEST_CONTROLS_TOKEN'] }
      : {}),
    ...(env['WICKR_METRICS_TOKEN'] ? { metricsToken: env['WICKR_METRICS_TOKEN'] } : {}),
    ...(env['WICKR_SEED'] ? { seedFile: env['WICKR_SEED'] } : {}),
    auditRetentionDays: num('WICKR_AUDIT_RETENTION_DAYS', 90),
    ...(env['WICKR_TLS_CERT'] ? { tlsCertFile: env['WICKR_TLS_CERT'] } : {}),
    ...(env['WICKR_TLS_KEY'] ? { tlsKeyFile: env['WICKR_TLS_KEY'] } : {}),
    allowedHosts: (env['WICKR_ALLOWED_HOSTS'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    headersTimeoutMs,
    requestTimeoutMs,
    readinessProbeMs: num('WICKR_READINESS_PROBE_MS', 5000),
    shutdownDelayMs: num('WICKR_SHUTDOWN_DELAY_MS', 0),
    ...(env['WICKR_TRUSTED_PROXIES'] ? { trustedProxies: trustedProxies(env) } : {}),
    ...(env['WICKR_AUDIT_LOG_DIR'] ? { auditLogDir: env['WICKR_AUDIT_LOG_DIR'] } : {}),
    trailRetryHours: num('WICKR_TRAIL_RETRY_HOURS', 24),
    webhookTimeoutMs: positive('WICKR_WEBHOOK_TIMEOUT_MS', 10_000),
    trailLeaseMs: positive('WICKR_TRAIL_LEASE_MS', 60_000),
  };
}

/** WICKR_TRUSTED_PROXIES, checked: every entry an address or a CIDR block. */
function trustedProxies(env: NodeJS.ProcessEnv): string {
  const text = env['WICKR_TRUSTED_PROXIES']!;
  try {
    trustedProxiesOf(text);
  } catch (e) {
    throw new Error(`WICKR_TRUSTED_PROXIES: ${(e as Error).message}`);
  }
  return text;
}
