/**
 * Responses against the operation's output shape: a member the contract does not declare
 * never reaches the wire, and with the strict check (WICKR_CHECK_RESPONSES=1, set by
 * `npm test` for every suite) it is an internal error.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAccessKeyId } from '../src/auth/keys.js';
import { DECOY_HASH, hashChallenge, verifyChallenge } from '../src/domain/bot-challenge.js';
import { handlers } from '../src/domain/handlers.js';
import { configFromEnv, startServer, type RunningServer } from '../src/index.js';
import type { EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';

type Served = Pick<EmbeddedServer, 'endpoint' | 'credentials' | 'close'> & {
  server: RunningServer;
};

async function serve(checkResponses: boolean): Promise<Served> {
  const accessKeyId = generateAccessKeyId();
  const secretAccessKey = randomBytes(30).toString('base64url');
  const config = {
    ...configFromEnv({}),
    port: 0,
    databaseUrl: 'sqlite::memory:',
    logLevel: 'silent',
    rootAccessKeyId: accessKeyId,
    rootSecretAccessKey: secretAccessKey,
    writeCredentialsFile: false,
  };
  const server: RunningServer = await startServer(config, {
    checkResponses,
    handlers: {
      ...handlers,
      // A handler that says more than the contract declares, at the top and inside an item.
      GetNetworkSettings: async (ctx, input) => {
        const out = await handlers.GetNetworkSettings(ctx, input);
        return {
          ...out,
          settings: out.settings.map((s) => ({ ...s, internal: 1 })),
          uname_key: ctx.network.uname_key,
        } as typeof out;
      },
    },
  });
  return {
    endpoint: server.endpoint,
    credentials: { accessKeyId, secretAccessKey, accountId: config.accountId, region: 'us-east-1' },
    server,
    close: () => server.close(),
  };
}

describe('responses against the output shape', () => {
  let loose: Served;
  let strict: Served;
  beforeAll(async () => {
    [loose, strict] = await Promise.all([serve(false), serve(true)]);
  });
  afterAll(async () => {
    await Promise.all([loose.close(), strict.close()]);
  });

  it('leaves undeclared members off the wire', async () => {
    const client = adminClient(loose);
    const networkId = (
      await client.call('CreateNetwork', { networkName: 'shape', accessLevel: 'STANDARD' })
    ).networkId!;
    const out = await client.call('GetNetworkSettings', { networkId });
    expect(out).not.toHaveProperty('uname_key');
    const settings = out.settings as unknown as Record<string, unknown>[];
    expect(settings.length).toBeGreaterThan(0);
    for (const s of settings) expect(s).not.toHaveProperty('internal');
  });

  it('fails a response with an undeclared member when the check is strict', async () => {
    const client = adminClient(strict);
    const networkId = (
      await client.call('CreateNetwork', { networkName: 'shape', accessLevel: 'STANDARD' })
    ).networkId!;
    await expect(client.call('GetNetworkSettings', { networkId })).rejects.toMatchObject({
      status: 500,
    });
  });
});

describe('bot sign-in decoy', () => {
  it('is a hash made with the parameters new hashes use', async () => {
    const fresh = await hashChallenge('some challenge');
    expect(DECOY_HASH.split('$').slice(0, 4)).toEqual(fresh.split('$').slice(0, 4));
    expect(await verifyChallenge('some challenge', DECOY_HASH)).toBe(false);
  });
});
