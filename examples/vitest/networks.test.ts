import { expect, inject, test } from 'vitest';
import { AdminClient } from 'wickr-admin-server/client';

const { endpoint, credentials } = inject('wickr');
const wickr = new AdminClient({ endpoint, region: credentials.region, credentials });

test('creates a network and finds it in the list', async () => {
  const { networkId } = await wickr.call('CreateNetwork', {
    networkName: 'vitest-demo',
    accessLevel: 'STANDARD',
  });
  const { networks } = await wickr.call('ListNetworks', {});
  expect(networks?.map((n) => n.networkId)).toContain(networkId);
});

test('invites a user and reads the invitation from the test controls', async () => {
  const { networkId } = await wickr.call('CreateNetwork', {
    networkName: 'vitest-invite',
    accessLevel: 'STANDARD',
  });
  const { securityGroups } = await wickr.call('ListSecurityGroups', { networkId: networkId! });
  await wickr.call('BatchCreateUser', {
    networkId: networkId!,
    users: [{ username: 'ada@example.com', securityGroupIds: [securityGroups![0]!.id!] }],
  });
  const res = await fetch(`${endpoint}/_wickr/mail?networkId=${networkId}`);
  const { messages } = (await res.json()) as { messages: { inviteCode: string }[] };
  expect(messages[0]?.inviteCode).toMatch(/^[A-Z0-9]{12}$/);
});
