// docs/console.png: the console's Users page at desktop width, on a real server with a small
// directory (some active, pending, declined and suspended users), taken by Debian's Chromium.
// Run after `npm run build`: `npm run docs:screenshot`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEmbedded } from '../dist/index.js';
import { AdminClient } from '../dist/client/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'console.png');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(join(root, 'dist', 'console', 'index.html')))
  throw new Error('The console is not built: run `npm run build` first.');

const PEOPLE = [
  ['alice.martin', 'Alice', 'Martin'],
  ['bob.nguyen', 'Bob', 'Nguyen'],
  ['chloe.dubois', 'Chloé', 'Dubois'],
  ['david.okafor', 'David', 'Okafor'],
  ['emma.schulz', 'Emma', 'Schulz'],
  ['farid.haddad', 'Farid', 'Haddad'],
  ['grace.kim', 'Grace', 'Kim'],
  ['hugo.silva', 'Hugo', 'Silva'],
];

const server = await startEmbedded({ env: {} });
let browser;
try {
  const client = new AdminClient({
    endpoint: server.endpoint,
    region: server.credentials.region,
    credentials: server.credentials,
  });
  const { networkId } = await client.call('CreateNetwork', {
    networkName: 'Field operations',
    accessLevel: 'PREMIUM',
  });
  const groups = await client.call('ListSecurityGroups', { networkId });
  const groupId = groups.securityGroups[0].id;
  const created = await client.call('BatchCreateUser', {
    networkId,
    users: PEOPLE.map(([u, firstName, lastName]) => ({
      username: `${u}@example.com`,
      firstName,
      lastName,
      securityGroupIds: [groupId],
    })),
  });
  const users = created.successful;
  // Four register, one declines, one is suspended: the statuses a directory really has.
  for (const u of users.slice(0, 4)) {
    const r = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/register`, {
      method: 'POST',
      body: JSON.stringify({
        username: u.username,
        inviteCode: u.inviteCode,
        deviceName: 'phone',
        platform: 'ios',
      }),
    });
    if (!r.ok) throw new Error(`registration failed: ${await r.text()}`);
  }
  await fetch(`${server.endpoint}/client/v1/networks/${networkId}/decline`, {
    method: 'POST',
    body: JSON.stringify({ username: users[4].username, inviteCode: users[4].inviteCode }),
  });
  await client.call('BatchToggleUserSuspendStatus', {
    networkId,
    userIds: [users[3].userId],
    suspend: true,
  });

  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 760 } });
  await page.goto(`${server.endpoint}/console/`);
  await page.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
  await page.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${server.endpoint}/console/networks/${networkId}/users`);
  await page.getByRole('row', { name: /hugo\.silva/ }).waitFor();
  // The access key in the header is this run's own; the picture shows the page, not a key.
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out}`);
} finally {
  await browser?.close();
  await server.close();
}
