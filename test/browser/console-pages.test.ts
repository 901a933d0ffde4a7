/**
 * The console's Dashboard, Audit and Access keys pages in Debian's Chromium against a real
 * server: the dashboard's figures are the database's (the API's own counts) and its CSV says
 * the same; the audit trail filters, pages, shows a record and exports CSV and JSON; an access
 * key created on the page signs requests as boto3 does (the package's SigV4 client), its
 * secret shown once and copied, then revoked on the page and refused; a key without the
 * permission sees the pages' actions disabled with the reason.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { createKey } from '../../src/auth/keys.js';
import { AdminApiError, AdminClient, startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { adminClient } from '../support/admin-call.js';
import {
  assertConsoleBuilt,
  ConsoleGuard,
  launchBrowser,
  screenshot,
  signInConsole,
} from '../support/browser.js';

const STEP = 120_000;
const NET = '71717171';

describe('the Dashboard, Audit and Access keys pages', () => {
  let server: EmbeddedServer;
  let client: AdminClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;

  const url = (p: string) => `${server.endpoint}/console${p}`;
  const text = async (d: Download) => readFileSync((await d.path())!, 'utf8');

  const signIn = (p: Page, id: string, secret: string) =>
    signInConsole(p, server.endpoint, id, secret);

  /** The count a figure's table gives for one row. */
  const figure = (table: string, row: string) =>
    page
      .getByRole('table', { name: table, exact: true })
      .getByRole('row', { name: new RegExp(`^${row}\\b`) })
      .getByRole('cell')
      .innerText()
      .then(Number);

  beforeAll(async () => {
    assertConsoleBuilt();
    // Revocation takes effect on the next request (no key cache to wait out).
    server = await startEmbedded({ keyCacheMs: 0 });
    client = adminClient(server);
    await server.seed({
      networks: [
        {
          networkId: NET,
          networkName: 'Figures',
          users: [
            { username: 'boss@example.com', status: 'active', isAdmin: true },
            { username: 'ann@example.com', status: 'active', suspended: true },
            { username: 'ben@example.com', inviteCode: 'BEN-CODE-123' },
            { username: 'cat@example.com', inviteCode: 'CAT-CODE-123' },
            { username: 'dan@example.com', inviteCode: 'DAN-CODE-123' },
          ],
        },
      ],
    });
    for (const [what, username, code] of [
      ['register', 'ben@example.com', 'BEN-CODE-123'],
      ['decline', 'cat@example.com', 'CAT-CODE-123'],
    ] as const) {
      const res = await fetch(`${server.endpoint}/client/v1/networks/${NET}/${what}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          username,
          inviteCode: code,
          ...(what === 'register' ? { deviceName: 'Ben phone', platform: 'android' } : {}),
        }),
      });
      expect(res.status).toBe(200);
    }
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.endpoint,
    });
    page = await context.newPage();
    guard = new ConsoleGuard(page);
    await signIn(page, server.credentials.accessKeyId, server.credentials.secretAccessKey);
  }, STEP);

  afterEach(() => {
    expect(guard.take(), 'browser console errors').toEqual([]);
    guard.strict();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, STEP);

  it(
    "the dashboard is the network's landing page and shows the database's figures",
    async () => {
      await page.goto(url('/networks'));
      await page.getByRole('link', { name: 'Figures' }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      expect(page.url()).toBe(url(`/networks/${NET}/dashboard`));
      const count = await client.call('GetUsersCount', { networkId: NET });
      await page.getByRole('table', { name: 'Users by status' }).waitFor();
      expect(await figure('Users by status', 'Active')).toBe(count.active);
      expect(await figure('Users by status', 'Pending')).toBe(count.pending);
      expect(await figure('Users by status', 'Declined')).toBe(count.rejected);
      expect(await figure('Users by status', 'Suspended')).toBe(1);
      expect(await figure('Devices by platform', 'Android')).toBe(1);
      expect(await figure('Pending invitations by age', 'under 1 day')).toBe(count.pending);
      // One administrator: the page warns.
      expect(
        await page.getByRole('status').filter({ hasText: 'Administrators' }).innerText(),
      ).toMatch(/Administrators: 1\.\s+Only one active administrator/);
      // Today's registrations: ben registered through his invitation, the fixture's two when loaded.
      // docs/console-dashboard.png is a copy of this one.
      await screenshot(page, 'dashboard', { viewport: true });
      await page.getByText('Registrations per day as a table').click();
      const today = new Date().toISOString().slice(0, 10);
      expect(await figure('Registrations per day, last 30 days', today)).toBe(3);
      await page.getByLabel('Period').selectOption('90');
      await page.getByRole('img', { name: 'Registrations per day, last 90 days' }).waitFor();
      expect(
        await page
          .getByRole('table', { name: 'Registrations per day, last 90 days' })
          .locator('tbody tr')
          .count(),
      ).toBe(90);
      await screenshot(page, 'dashboard-1400');
      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      expect(csv.suggestedFilename()).toBe(`dashboard-${NET}.csv`);
      const lines = (await text(csv)).split('\r\n');
      expect(lines[0]).toBe('Section,Item,Count');
      expect(lines).toContain(`Users by status,Active,${count.active}`);
      expect(lines).toContain(`Users by status,Declined,${count.rejected}`);
      expect(lines).toContain('Devices by platform,Android,1');
      expect(lines).toContain(`Registrations per day,${today},3`);
      expect(lines).toContain('Administrators,Active administrators,1');
    },
    STEP,
  );

  it(
    'the audit trail: filters, a record, pages, CSV and JSON',
    async () => {
      // A refusal and some changes to find.
      await client.call('CreateSecurityGroup', {
        networkId: NET,
        name: 'Audited group',
        securityGroupSettings: {},
      });
      await fetch(`${server.endpoint}/console/api/session`, {
        method: 'POST',
        body: JSON.stringify({ accessKeyId: 'AKIAWRONGKEY00000000', secretAccessKey: 'nope' }),
      });
      await page.getByRole('link', { name: 'Audit', exact: true }).click();
      await page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
      const table = page.getByRole('table', { name: 'Audit records, newest first' });
      await table.waitFor();
      await page.getByLabel('Operation').fill('CreateSecurityGroup');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
      await table.getByRole('button', { name: 'CreateSecurityGroup' }).click();
      const detail = page.getByRole('dialog', { name: 'Audit record' });
      await detail
        .getByLabel('Parameters', { exact: true })
        .getByText('"name": "Audited group"')
        .waitFor();
      // The record as CloudTrail renders it (issue 27): the event LookupEvents returns.
      const event = detail.getByLabel('CloudTrail event');
      await expect.poll(() => event.textContent()).toContain('"eventName": "CreateSecurityGroup"');
      expect(await event.textContent()).toContain('"eventSource": "wickr.amazonaws.com"');
      await screenshot(page, 'audit-record-1400');
      await detail.getByRole('button', { name: 'Close' }).click();
      // By keyboard: Enter opens the record, Escape closes it, focus is back on its opener.
      const opener = table.getByRole('button', { name: 'CreateSecurityGroup' });
      await opener.focus();
      await page.keyboard.press('Enter');
      await detail.waitFor();
      await page.keyboard.press('Escape');
      await detail.waitFor({ state: 'detached' });
      await expect
        .poll(() => opener.evaluate((e) => e === e.ownerDocument.activeElement))
        .toBe(true);

      await page.getByLabel('Operation').fill('');
      await page.getByLabel('Outcome').selectOption('refused');
      await page.getByLabel('Source').selectOption('console');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await table
        .getByRole('row', { name: /SignIn/ })
        .first()
        .waitFor();
      const outcomes = await table.locator('tbody tr td:nth-child(3)').allInnerTexts();
      expect(outcomes.length).toBeGreaterThan(0);
      for (const o of outcomes) expect(o).toMatch(/^refused \(401\)/);
      await screenshot(page, 'audit-1400');

      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      const rows = (await text(csv)).trim().split('\r\n');
      expect(rows[0]!.split(',').slice(0, 4)).toEqual(['id', 'time', 'operation', 'outcome']);
      expect(rows.length - 1).toBe(outcomes.length);
      for (const r of rows.slice(1)) expect(r).toMatch(/,SignIn,refused,401,console,/);
      const [json] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export JSON' }).click(),
      ]);
      const records = JSON.parse(await text(json)) as { operation: string; outcome: string }[];
      expect(records).toHaveLength(outcomes.length);
      expect(new Set(records.map((r) => `${r.operation} ${r.outcome}`))).toEqual(
        new Set(['SignIn refused']),
      );
      await page
        .getByRole('status')
        .filter({ hasText: /Exported \d+ records? as JSON/ })
        .waitFor();

      // Pages of 50: more records than that, then Next and Previous.
      const { securityGroups } = await client.call('ListSecurityGroups', { networkId: NET });
      const securityGroupIds = [securityGroups![0]!.id!];
      for (let i = 0; i < 3; i++)
        await client.call('BatchCreateUser', {
          networkId: NET,
          users: Array.from({ length: 20 }, (_, j) => ({
            username: `p${i}-${j}@example.com`,
            securityGroupIds,
          })),
        });
      for (let i = 0; i < 50; i++)
        await client.call('UpdateNetwork', { networkId: NET, networkName: `Figures ${i % 2}` });
      await page.getByLabel('Outcome').selectOption('');
      await page.getByLabel('Source').selectOption('');
      await page.getByLabel('Operation').fill('BatchCreateUser');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
      await page.getByLabel('Operation').fill('');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => table.locator('tbody tr').count()).toBe(50);
      const first = await table.locator('tbody tr').first().innerText();
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => table.locator('tbody tr').first().innerText()).not.toBe(first);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(() => table.locator('tbody tr').first().innerText()).toBe(first);
    },
    STEP,
  );

  it(
    'an access key created on the page signs requests, then is revoked and refused',
    async () => {
      await page.getByRole('link', { name: 'Access keys', exact: true }).click();
      const table = page.getByRole('table', { name: 'Access keys' });
      await table.getByRole('row', { name: new RegExp(server.credentials.accessKeyId) }).waitFor();
      await page.getByRole('button', { name: 'Create access key' }).click();
      // A policy that names nothing: the reason at its field, nothing made.
      guard.allow(/status of 422/);
      await page.getByLabel('Allowed actions').fill('wickr:ListUser');
      await page.getByRole('button', { name: 'Create access key' }).last().click();
      await page.getByText(/allows no action of the server/).waitFor();
      expect(await page.getByLabel('Allowed actions').getAttribute('aria-invalid')).toBe('true');
      await page.getByLabel('Allowed actions').fill('wickr:ListNetworks, wickr:GetNetwork');
      await page.getByRole('checkbox', { name: /Figures/ }).check();
      await page.getByLabel("Owner's user name").fill('robot');
      await page.getByLabel('Label').fill('deploy pipeline');
      await screenshot(page, 'access-key-create-1400');
      await page.getByRole('button', { name: 'Create access key' }).last().click();
      const secretBox = page.getByLabel('Secret access key');
      await secretBox.waitFor();
      const accessKeyId = await page.getByLabel('Access key ID').inputValue();
      const secretAccessKey = await secretBox.inputValue();
      expect(secretAccessKey.length).toBeGreaterThanOrEqual(30);
      await page.getByRole('button', { name: 'Copy secret access key' }).click();
      await page.getByText('The secret access key is copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secretAccessKey);
      await screenshot(page, 'access-key-created-1400');

      // boto3-style: the package's SigV4 client with the new key.
      const signed = new AdminClient({
        endpoint: server.endpoint,
        region: server.credentials.region,
        credentials: { accessKeyId, secretAccessKey },
        maxRetries: 0,
      });
      const nets = await signed.call('ListNetworks', {});
      expect(nets.networks.map((n) => n.networkId)).toEqual([NET]);

      await page.getByRole('button', { name: 'Done: I have stored the secret' }).click();
      expect(await page.getByLabel('Secret access key').count()).toBe(0);
      await page.getByRole('button', { name: 'Refresh' }).click();
      const row = table.getByRole('row', { name: new RegExp(accessKeyId) });
      expect(await row.innerText()).toMatch(/robot\s+deploy pipeline/);
      expect(await row.innerText()).toMatch(
        /71717171\s+wickr:ListNetworks, wickr:GetNetwork\s+Active/,
      );
      // Used a moment ago: "last used" is not Never, once the refreshed list has arrived
      // (the row is already on the page from before the refresh).
      await expect.poll(() => row.getByRole('cell').nth(4).innerText()).not.toBe('Never');
      // The secret is on no page now.
      expect(await page.content()).not.toContain(secretAccessKey);

      // The session's own key cannot be revoked from it: disabled, with the reason.
      const own = table
        .getByRole('row', { name: new RegExp(server.credentials.accessKeyId) })
        .getByRole('button', { name: 'Revoke' });
      expect(await own.isDisabled()).toBe(true);
      expect(await page.locator('#keys-own').innerText()).toMatch(/signed this session in/);
      // Escape cancels the confirmation and focus returns to the row's Revoke.
      const revokeButton = row.getByRole('button', { name: 'Revoke' });
      await revokeButton.focus();
      await page.keyboard.press('Enter');
      const confirm = page.getByRole('dialog', { name: `Revoke access key ${accessKeyId}?` });
      await confirm.waitFor();
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      await expect
        .poll(() => revokeButton.evaluate((e) => e === e.ownerDocument.activeElement))
        .toBe(true);
      expect(await row.getByRole('cell').nth(7).innerText()).toBe('Active');
      await revokeButton.click();
      await screenshot(page, 'access-key-revoke-1400');
      await confirm.getByRole('button', { name: 'Revoke' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Access key ${accessKeyId} is revoked` })
        .waitFor();
      await expect.poll(() => row.getByRole('cell').nth(7).innerText()).toMatch(/^Revoked/);
      const refused = await signed.call('ListNetworks', {}).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AdminApiError);
      expect((refused as AdminApiError).status).toBe(401);
    },
    STEP,
  );

  it(
    "a key without the permissions sees the pages' actions disabled, with the reason",
    async () => {
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:List*', 'wickr:Get*'],
        label: 'read only',
      });
      await signIn(page, key.accessKeyId, key.secretAccessKey);
      await page.goto(url('/access-keys'));
      const create = page.getByRole('button', { name: 'Create access key' });
      await create.waitFor();
      expect(await create.isDisabled()).toBe(true);
      const note = page.locator('#keys-policy');
      expect(await note.innerText()).toContain(
        `Access key ${key.accessKeyId} is not authorized to perform wickr:ManageAccessKeys.`,
      );
      expect(await create.getAttribute('aria-describedby')).toBe('keys-policy');
      await screenshot(page, 'access-keys-refused-1400');

      await page.getByRole('link', { name: 'Audit', exact: true }).click();
      const apply = page.getByRole('button', { name: 'Apply filters' });
      await apply.waitFor();
      expect(await apply.isDisabled()).toBe(true);
      expect(await page.locator('#audit-policy').innerText()).toContain(
        'not authorized to perform wickr:LookupAuditRecords',
      );
      expect(await page.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
      await signIn(page, server.credentials.accessKeyId, server.credentials.secretAccessKey);
    },
    STEP,
  );
});
