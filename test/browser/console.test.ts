/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server on SQLite, a real SMTP server and a real OIDC provider, all on loopback. Every page is
 * screenshotted into test-results/console/. Any browser console error fails the test, except
 * refusals a step provokes on purpose (allowed one pattern at a time).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { signedRequest } from '../support/signed-request.js';
import { createKey, revokeKey } from '../../src/auth/keys.js';
import {
  assertConsoleBuilt,
  caughtMail,
  ConsoleGuard,
  eventually,
  launchBrowser,
  screenshot,
  startHelper,
  type Helper,
} from '../support/browser.js';

const STEP = 60_000;

describe('the web console in a browser', () => {
  let server: EmbeddedServer;
  let smtp: Helper;
  let oidc: Helper;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;
  let networkId: string;
  const mailFile = join(tmpdir(), `wickr-console-mail-${process.pid}.jsonl`);

  const url = (path: string) => `${server.endpoint}${path}`;
  const codesFor = (to: string) =>
    caughtMail(mailFile)
      .filter((m) => m.to.includes(to))
      .map((m) => /invite code: ([A-Za-z0-9]+)/i.exec(m.data.replace(/=\r?\n/g, ''))?.[1]);

  async function newPage(): Promise<{ context: BrowserContext; page: Page; guard: ConsoleGuard }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const p = await ctx.newPage();
    return { context: ctx, page: p, guard: new ConsoleGuard(p) };
  }

  async function signIn(p: Page, id: string, secret: string) {
    await p.goto(url('/'));
    await p.getByLabel('Access key ID').fill(id);
    await p.getByLabel('Secret access key').fill(secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  const nav = (name: string) => page.getByRole('link', { name, exact: true }).click();
  const usersTable = () => page.getByRole('table', { name: /Users of network/ });
  const usernames = async () => usersTable().locator('tbody tr td:nth-child(2)').allInnerTexts();

  beforeAll(async () => {
    assertConsoleBuilt();
    rmSync(mailFile, { force: true });
    smtp = await startHelper('smtp-sink.mjs', ['--out', mailFile]);
    oidc = await startHelper('oidc-provider.mjs');
    server = await startEmbedded({ smtpUrl: `smtp://127.0.0.1:${String(smtp.info['port'])}` });
    browser = await launchBrowser();
    ({ context, page, guard } = await newPage());
  }, STEP);

  afterEach(() => {
    expect(guard.take(), 'browser console errors').toEqual([]);
    guard.strict();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.stop();
    await oidc?.stop();
    rmSync(mailFile, { force: true });
  }, STEP);

  it(
    'refuses wrong credentials with a clear message',
    async () => {
      guard.allow(/status of 401/);
      await signIn(page, server.credentials.accessKeyId, 'not-the-secret');
      await expect
        .poll(() => page.getByRole('alert').innerText())
        .toContain('The access key ID or the secret access key is wrong.');
      await screenshot(page, '01-sign-in-refused');
    },
    STEP,
  );

  it(
    'signs in and creates a network',
    async () => {
      await signIn(page, server.credentials.accessKeyId, server.credentials.secretAccessKey);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await nav('Networks');
      await page.getByText('No networks yet').waitFor();
      await page.getByLabel('Network name').fill('Acme field');
      await page.getByRole('button', { name: 'Create network' }).click();
      const row = page.getByRole('row', { name: /Acme field/ });
      await row.waitFor();
      networkId = (await row.getByRole('cell').nth(1).innerText()).trim();
      expect(networkId).toMatch(/^\d{8}$/);
      await screenshot(page, '02-networks');
    },
    STEP,
  );

  it(
    'shows a ValidationError reason next to its field',
    async () => {
      guard.allow(/status of 422/);
      await page.getByLabel('Network name').fill('a name far longer than twenty characters');
      await page.getByRole('button', { name: 'Create network' }).click();
      await page
        .locator('.field.invalid')
        .getByText(/at most 20/)
        .waitFor();
    },
    STEP,
  );

  it(
    'edits the network settings',
    async () => {
      await page
        .getByRole('row', { name: /Acme field/ })
        .getByRole('link', { name: 'Settings' })
        .click();
      await page.getByLabel('Client metrics').check();
      await page.getByLabel('Read receipts').selectOption('ENABLED');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      await screenshot(page, '03-network-settings');
    },
    STEP,
  );

  it(
    'invites three users, then sorts and filters them',
    async () => {
      await nav('Networks');
      await page.getByRole('link', { name: 'Acme field' }).click();
      // A network opens on its dashboard.
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await nav('Users');
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      await page.getByText('No users yet').waitFor();
      await page.getByRole('button', { name: 'Invite users' }).click();
      const people = [
        ['alice@example.com', 'Alice', 'Archer'],
        ['bob@example.com', 'Bob', 'Baker'],
        ['carol@example.com', 'Carol', 'Cooper'],
      ];
      for (const [i, [username, first, last]] of people.entries()) {
        if (i > 0) await page.getByRole('button', { name: 'Add another person' }).click();
        const person = page.getByRole('group', { name: `Person ${i + 1}` });
        await person.getByLabel('Username (e-mail)').fill(username!);
        await person.getByLabel('First name').fill(first!);
        await person.getByLabel('Last name').fill(last!);
      }
      await screenshot(page, '04-users-invite');
      await page.getByRole('button', { name: 'Send invitations' }).click();
      await page.getByText('3 invitations sent.').waitFor();
      await expect.poll(usernames).toEqual(people.map((p) => p[0]));
      await expect.poll(() => page.getByLabel('User counts').innerText()).toMatch(/Pending\s+3/);

      await page.getByRole('columnheader', { name: 'Username' }).getByRole('button').click();
      await expect.poll(usernames).toEqual(people.map((p) => p[0]).reverse());
      await page.getByRole('columnheader', { name: 'Last name' }).getByRole('button').click();
      await expect.poll(usernames).toEqual(people.map((p) => p[0]));

      await page.getByLabel('Search usernames').fill('bob');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(usernames).toEqual(['bob@example.com']);
      await page.getByLabel('Search usernames').fill('');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Active' });
      await page.getByText('No user matches these filters.').waitFor();
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Pending' });
      await expect.poll(usernames).toHaveLength(3);
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'All' });
    },
    STEP,
  );

  it(
    'reinvites a user, whose new code arrives by e-mail',
    async () => {
      const first = await eventually(
        () => codesFor('alice@example.com')[0],
        'the first invitation',
      );
      await page.getByLabel('Select alice@example.com').check();
      await page.getByRole('button', { name: 'Reinvite' }).click();
      await page.getByText('Reinvite: 1 done.').waitFor();
      const second = await eventually(
        () => codesFor('alice@example.com')[1],
        'the second invitation',
      );
      expect(second).toBeTruthy();
      expect(second).not.toBe(first);
    },
    STEP,
  );

  it(
    'suspends, unsuspends and deletes users',
    async () => {
      const status = (name: string) =>
        usersTable()
          .getByRole('row', { name: new RegExp(name) })
          .getByRole('cell')
          .nth(4)
          .innerText();
      await page.getByLabel('Select bob@example.com').check();
      await page.getByRole('button', { name: 'Suspend', exact: true }).click();
      await page.getByText('Suspend: 1 done.').waitFor();
      await expect.poll(() => status('bob@')).toBe('Pending (suspended)');
      await page.getByLabel('Select bob@example.com').check();
      await page.getByRole('button', { name: 'Unsuspend' }).click();
      await page.getByText('Unsuspend: 1 done.').waitFor();
      await expect.poll(() => status('bob@')).toBe('Pending');

      await page.getByLabel('Select carol@example.com').check();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete 1 user?' });
      await dialog.getByRole('button', { name: 'Delete users' }).click();
      await page.getByText('Delete: 1 done.').waitFor();
      await expect.poll(usernames).toEqual(['alice@example.com', 'bob@example.com']);
    },
    STEP,
  );

  it(
    'registers from an invitation link in a caught e-mail, and the user shows as active',
    async () => {
      const link = await eventually(() => {
        const mail = caughtMail(mailFile)
          .filter((m) => m.to.includes('bob@example.com'))
          .pop();
        const text = mail?.data.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
        return /https?:\/\/[^\s"<>]+\/invitation\?[^\s"<>]+/.exec(text ?? '')?.[0];
      }, "bob's invitation link");
      const invitee = await context.newPage();
      const inviteeGuard = new ConsoleGuard(invitee);
      await invitee.goto(link.replace(/&amp;/g, '&'));
      await invitee.getByLabel('Device name').fill('Work laptop');
      await invitee.getByRole('button', { name: 'Register' }).click();
      await invitee.getByText('You are registered').first().waitFor();
      expect(inviteeGuard.take()).toEqual([]);
      await invitee.close();
      await page.reload();
      await expect
        .poll(() =>
          usersTable().getByRole('row', { name: /bob@/ }).getByRole('cell').nth(4).innerText(),
        )
        .toBe('Active');
    },
    STEP,
  );

  it(
    'opens a user detail panel and edits the user',
    async () => {
      await usersTable().getByRole('button', { name: 'alice@example.com' }).click();
      const panel = page.getByRole('dialog', { name: 'User details' });
      await panel.getByText('No devices').waitFor();
      await panel.getByLabel('First name').fill('Alicia');
      await panel.getByRole('button', { name: 'Save user' }).click();
      await panel.getByText('Saved.').waitFor();
      await screenshot(page, '05-user-detail');
      await panel.getByRole('button', { name: 'Close' }).click();
      await expect
        .poll(() =>
          usersTable()
            .getByRole('row', { name: /alice@/ })
            .innerText(),
        )
        .toContain('Alicia');
    },
    STEP,
  );

  it(
    'imports a CSV of 200 users with progress and per-row results',
    async () => {
      await page.getByRole('button', { name: 'Import CSV' }).click();
      const lines = ['email,firstName,lastName'];
      for (let i = 0; i < 200; i++)
        lines.push(`person${String(i).padStart(3, '0')}@example.com,P${i},Imported`);
      await page.getByLabel('CSV file').setInputFiles({
        name: 'people.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(lines.join('\n')),
      });
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.getByText('200 of 200 rows processed, 200 invited, 0 failed').waitFor();
      await expect.poll(() => page.getByLabel('User counts').innerText()).toMatch(/Total\s+202/);
      await screenshot(page, '06-users-import');
      await page.getByRole('button', { name: 'Import CSV' }).click();
      // Server-side paging: 100 on the first page, the rest behind "Next page".
      await expect.poll(async () => (await usernames()).length).toBe(100);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(async () => (await usernames()).length).toBe(100);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(async () => (await usernames()).length).toBe(2);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(async () => (await usernames())[0]).toBe('alice@example.com');
      // The README's picture (docs/console.png is a copy of this one).
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'console', { viewport: true });
    },
    STEP,
  );

  it(
    'looks up unames',
    async () => {
      await page.getByRole('button', { name: 'Look up unames' }).click();
      await page.getByLabel('Unames', { exact: true }).fill('nosuchuname');
      await page.getByRole('button', { name: 'Resolve' }).click();
      await page
        .getByRole('table', { name: 'Lookup results' })
        .getByText(/Not found/)
        .waitFor();
      await screenshot(page, '07-users');
    },
    STEP,
  );

  it(
    'creates and edits a security group',
    async () => {
      await nav('Security groups');
      await page.getByLabel('Group name').fill('Field team');
      await page.getByRole('button', { name: 'Create group' }).click();
      const row = page.getByRole('row', { name: /Field team/ });
      await row.waitFor();
      await row.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('File sharing').check();
      await page.getByLabel('Minimum length').fill('12');
      await page.getByRole('button', { name: 'Save group' }).click();
      await page.getByRole('button', { name: 'Save group' }).waitFor({ state: 'detached' });
      await screenshot(page, '08-security-groups');
    },
    STEP,
  );

  it(
    'creates a bot and shows its challenge once',
    async () => {
      await nav('Bots');
      await page.getByText('No bots in this network.').waitFor();
      await page.getByLabel('Bot username').fill('alertsbot');
      await page.getByLabel('Display name').fill('Alerts');
      await page.getByRole('button', { name: 'Create bot' }).click();
      await page.getByText(/shown this once/).waitFor();
      await page.getByRole('row', { name: /alertsbot/ }).waitFor();
      await screenshot(page, '09-bots');
      await page
        .getByRole('row', { name: /alertsbot/ })
        .getByRole('button', { name: 'Suspend' })
        .click();
      await page.getByText('Bot alertsbot suspended.').waitFor();
    },
    STEP,
  );

  it(
    'walks the data retention steps',
    async () => {
      await nav('Data retention');
      await page.getByRole('button', { name: 'Create bot' }).click();
      await page.getByText('The data-retention bot was created.').waitFor();
      await page.getByRole('button', { name: 'Generate password' }).click();
      const challenge = (await page.getByLabel('Bot password').innerText()).trim();
      const botName = (await page.getByLabel('Bot name').innerText()).trim();
      // The data-retention service signs the bot in, as it would in production.
      const login = await fetch(url(`/client/v1/networks/${networkId}/bots/login`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: botName, challenge }),
      });
      expect(login.status).toBe(200);
      await page.getByRole('button', { name: 'Check again' }).click();
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await page.getByText('The public key message was acknowledged.').waitFor();
      await page.getByRole('button', { name: 'Enable data retention' }).click();
      await page.getByText('Data retention is on.').waitFor();
      await screenshot(page, '10-data-retention');
    },
    STEP,
  );

  it(
    'blocks a guest user and charts guests per month',
    async () => {
      // A federated network's report, signed.
      const activity = await signedRequest(
        server,
        'POST',
        `/client/v1/networks/${networkId}/guest-activity`,
        JSON.stringify({ username: 'guest@partner.example' }),
      );
      expect(activity.status).toBe(200);
      await nav('Guest users');
      await page.getByRole('img', { name: 'Guest users per month' }).waitFor();
      await page
        .getByRole('row', { name: /guest@partner.example/ })
        .getByRole('button', { name: 'Block' })
        .click();
      await page.getByText('guest@partner.example blocked.').waitFor();
      await page
        .getByRole('table', { name: 'Blocked guest users' })
        .getByText('guest@partner.example')
        .waitFor();
      await screenshot(page, '11-guest-users');
    },
    STEP,
  );

  it(
    'tests an OIDC issuer against the local provider',
    async () => {
      // A network without SSO answers GetOidcInfo and GetOpentdfConfig with
      // ResourceNotFoundError, as AWS does: the page shows empty forms.
      guard.allow(/status of 404/);
      await nav('SSO');
      await page.getByLabel('Company ID').fill('acme');
      await page.getByLabel('Issuer').fill(String(oidc.info['issuer']));
      await page.getByRole('button', { name: 'Test' }).click();
      const found = page.getByRole('status', { name: 'Discovery result' });
      await found.waitFor();
      expect(await found.innerText()).toContain(`${String(oidc.info['issuer'])}/token`);
      await screenshot(page, '12-sso');
    },
    STEP,
  );

  it(
    'lists the network outbox on the Invitations page',
    async () => {
      await nav('Invitations');
      const table = page.getByRole('table', { name: /Outbox of network/ });
      await table.waitFor();
      // Newest first: the last imported person's invitation heads the first page.
      await table.getByRole('row', { name: /person199@example.com/ }).waitFor();
      await page.getByLabel('Delivery status').selectOption('sent');
      await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(0);
      await page.getByLabel('Delivery status').selectOption('');
      await screenshot(page, '13-invitations');
    },
    STEP,
  );

  it(
    'signs out and ends the session on the server',
    async () => {
      const cookies = await context.cookies();
      const cookie = cookies.find((c) => c.name === 'wickr_console');
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('Strict');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const res = await fetch(url('/console/api/session'), {
        headers: { cookie: `wickr_console=${cookie!.value}` },
      });
      expect(await res.json()).toMatchObject({ signedIn: false });
      await screenshot(page, '00-sign-in');
    },
    STEP,
  );

  it(
    'shows a limited key a refusal instead of a page it may not use',
    async () => {
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:ListNetworks', 'wickr:GetNetwork'],
        label: 'read-only networks',
      });
      guard.allow(/status of 403/);
      await signIn(page, key.accessKeyId, key.secretAccessKey);
      await nav('Networks');
      await page.getByRole('link', { name: 'Acme field' }).click();
      const alert = page.getByRole('alert').first();
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/Not allowed.*not authorized to perform wickr:/s);
      await screenshot(page, '14-refused');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    },
    STEP,
  );

  it(
    'ends a session at once when its key is revoked',
    async () => {
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        label: 'to be revoked',
      });
      await signIn(page, key.accessKeyId, key.secretAccessKey);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await revokeKey(server.server.store.db, key.accessKeyId);
      // The reloaded page's session check is refused (401): that is the revocation working.
      guard.allow(/status of 401/);
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    },
    STEP,
  );
});
