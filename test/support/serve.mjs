// Starts a server from this checkout for out-of-process tests (boto3, the AWS CLI).
// Prints one JSON line {endpoint, credentials} on stdout, then runs until SIGTERM.
// Database: WICKR_DATABASE_URL (default sqlite::memory:); other WICKR_* variables apply.
import { startEmbedded } from '../../dist/index.js';

const env = process.env;
const server = await startEmbedded({
  databaseUrl: env.WICKR_DATABASE_URL || 'sqlite::memory:',
  logLevel: env.WICKR_LOG_LEVEL || 'silent',
  ...(env.WICKR_SMTP_URL ? { smtpUrl: env.WICKR_SMTP_URL } : {}),
  ...(env.WICKR_PORT ? { port: Number(env.WICKR_PORT) } : {}),
  ...(env.WICKR_ROOT_ACCESS_KEY_ID
    ? {
        rootAccessKeyId: env.WICKR_ROOT_ACCESS_KEY_ID,
        rootSecretAccessKey: env.WICKR_ROOT_SECRET_ACCESS_KEY,
      }
    : {}),
  ...(env.WICKR_RATE_LIMIT_RPS
    ? {
        rateLimit: {
          ratePerSecond: Number(env.WICKR_RATE_LIMIT_RPS),
          burst: Number(env.WICKR_RATE_LIMIT_BURST || env.WICKR_RATE_LIMIT_RPS),
        },
      }
    : {}),
  // Registration endpoint limits (client API), for tests of lockout and per-address limits.
  ...(env.WICKR_REGISTRATION_RATE_LIMIT_RPS
    ? {
        registrationRateLimit: {
          ratePerSecond: Number(env.WICKR_REGISTRATION_RATE_LIMIT_RPS),
          burst: Number(
            env.WICKR_REGISTRATION_RATE_LIMIT_BURST || env.WICKR_REGISTRATION_RATE_LIMIT_RPS,
          ),
        },
      }
    : {}),
  ...(env.WICKR_REGISTRATION_LOCKOUT
    ? { registrationLockout: Number(env.WICKR_REGISTRATION_LOCKOUT) }
    : {}),
  keyCacheMs: 0,
});
process.stdout.write(
  `${JSON.stringify({ endpoint: server.endpoint, credentials: server.credentials, pid: process.pid })}\n`,
);
const stop = () => server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
