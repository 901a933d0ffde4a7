// node:test: one embedded server for this file, started in `before` and closed in `after`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbedded } from 'wickr-admin-server';
import { AdminClient } from 'wickr-admin-server/client';

let server;
let wickr;

before(async () => {
  server = await startEmbedded({
    fixture: { networks: [{ networkId: '12345678', networkName: 'Lab' }] },
  });
  wickr = new AdminClient({
    endpoint: server.endpoint,
    region: server.credentials.region,
    credentials: server.credentials,
  });
});

after(() => server?.close());

test('the fixture is loaded', async () => {
  const { networkName } = await wickr.call('GetNetwork', { networkId: '12345678' });
  assert.equal(networkName, 'Lab');
});

test('an invitation expires when the server clock moves past it', async () => {
  const { securityGroups } = await wickr.call('ListSecurityGroups', { networkId: '12345678' });
  await wickr.call('BatchCreateUser', {
    networkId: '12345678',
    users: [
      { username: 'grace@example.com', securityGroupIds: [securityGroups[0].id], inviteCodeTtl: 1 },
    ],
  });
  await server.clock.advance('2d');
  const { users } = await wickr.call('ListUsers', { networkId: '12345678' });
  assert.equal(users.find((u) => u.username === 'grace@example.com').isInviteExpired, true);
  await server.clock.reset();
});
