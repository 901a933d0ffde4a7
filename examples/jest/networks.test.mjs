import { AdminClient } from 'wickr-admin-server/client';

// The server's endpoint and key, as global-setup.mjs left them in the environment.
const wickr = new AdminClient({
  endpoint: process.env.WICKR_ENDPOINT,
  region: process.env.AWS_REGION,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
  // Fail at once instead of retrying, to see an injected error.
  maxRetries: 0,
});

test('creates a network and finds it in the list', async () => {
  const { networkId } = await wickr.call('CreateNetwork', {
    networkName: 'jest-demo',
    accessLevel: 'STANDARD',
  });
  const { networks } = await wickr.call('ListNetworks', {});
  expect(networks.map((n) => n.networkId)).toContain(networkId);
});

test('a fault rule makes the next call fail as AWS would', async () => {
  await fetch(`${process.env.WICKR_ENDPOINT}/_wickr/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'ListNetworks', error: 'RateLimitError', times: 1 }),
  });
  await expect(wickr.call('ListNetworks', {})).rejects.toMatchObject({
    errorType: 'RateLimitError',
    status: 429,
  });
});
