/**
 * The console's directory and security-group pages tell the truth, in Debian's Chromium
 * against a real server: the CSV import gives the CLI's per-row results for the same file; an
 * invitation row's validation error reaches its row and only the rows not invited stay; a
 * declined user shows as Declined, the status filters include Declined and Suspended, and the
 * counters add up to the rows; a bulk action whose later request fails keeps its summary and
 * the selection of what was not done; no earlier notice stands beside a failure; the
 * security-group editor has the AWS console's sections, human labels, choices and lists, and
 * puts each reason at its field; a read-only key sees what it may not do disabled, with why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmbedded, type AdminClient, type EmbeddedServer } from '../../src/index.js';
import { createKey } from '../../src/auth/keys.js';
import { adminClient } from '../support/admin-call.js';
import { assertConsoleBuilt, ConsoleGuard, launchBrowser, screenshot } from '../support/browser.js';
import { runCli } from '../support/cli-run.js';

const STEP = 90_000;

/** Group names, an unknown group, a bad row (inviteCodeTtl) and a duplicate (case aside). */
const CSV = [
  'username,firstName,lastName,group,inviteCodeTtl',
  'ann@example.com,Ann,Archer,Engineering,',
  'ben@example.com,Ben,Baker,engineering|Field team,14',
  'cat@example.com,Cat,Cooper,Marketing,',
  'dan@example.com,Dan,Dunn,,soon',
  'ANN@example.com,Ann,Again,Engineering,',
  'eve@example.com,Eve,Evans,,',
].join('\n');

describe('the console directory: the same answers as the API and the CLI', () => {
  let server: EmbeddedServer;
  let client: AdminClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;
  let dir: string;
  /** The network the console works on, and the one the CLI imports into. */
  let networkId: string;
  let cliNetworkId: string;

  const url = (p: string) => `${server.endpoint}/console${p}`;
  const usersTable = () => page.getByRole('table', { name: /Users of network/ });
  const usernames = () => usersTable().locator('tbody tr td:nth-child(2)').allInnerTexts();
  const statusOf = (name: string) =>
    usersTable()
      .getByRole('row', { name: new RegExp(name) })
      .getByRole('cell')
      .nth(4)
      .innerText();
  const counts = async () =>
    Object.fromEntries(
      (await page.getByLabel('User counts').locator('div').allInnerTexts()).map((t) => {
        const [k, v] = t.split('\n');
        return [k!.trim(), Number(v!.replace(/,/g, ''))];
      }),
    );

  async function networkWithGroups(name: string): Promise<string> {
    const id = (await client.call('CreateNetwork', { networkName: name, accessLevel: 'STANDARD' }))
      .networkId!;
    for (const group of ['Engineering', 'Field team'])
      await client.call('CreateSecurityGroup', {
        networkId: id,
        name: group,
        securityGroupSettings: {},
      });
    return id;
  }

  async function signIn(p: Page, id: string, secret: string) {
    await p.goto(url('/'));
    await p.getByLabel('Access key ID').fill(id);
    await p.getByLabel('Secret access key').fill(secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function openUsers() {
    await page.goto(url(`/networks/${networkId}/users`));
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  }

  beforeAll(async () => {
    assertConsoleBuilt();
    server = await startEmbedded({});
    client = adminClient(server);
    networkId = await networkWithGroups('Console net');
    cliNetworkId = await networkWithGroups('CLI net');
    dir = mkdtempSync(path.join(tmpdir(), 'wickr-console-dir-'));
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, STEP);

  it(
    'imports a CSV with the per-row results the CLI gives for the same file',
    async () => {
      const file = path.join(dir, 'people.csv');
      writeFileSync(file, CSV);
      const cli = await runCli(
        ['users', 'import', file, '--network', cliNetworkId, '--json', '--no-progress'],
        {
          PATH: process.env['PATH'],
          HOME: dir,
          AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
          WICKR_ENDPOINT: server.endpoint,
        },
        dir,
      );
      expect(cli.stderr).not.toMatch(/Error/);
      const summary = JSON.parse(cli.stdout) as {
        successful: { row: number; username: string }[];
        failures: { row: number; username?: string; reason: string }[];
      };
      const byCli = [
        ...summary.successful.map((s) => [s.row, s.username, 'Invited']),
        ...summary.failures.map((f) => [
          f.row,
          f.username ?? '',
          f.reason.replaceAll(cliNetworkId, 'NETWORK'),
        ]),
      ].sort((a, b) => Number(a[0]) - Number(b[0]));

      await openUsers();
      await page.getByRole('button', { name: 'Import CSV' }).click();
      await page.getByLabel('CSV file').setInputFiles({
        name: 'people.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(CSV),
      });
      await page.getByRole('button', { name: 'Start import' }).click();
      await page.getByText('6 of 6 rows processed, 3 invited, 3 failed').waitFor();
      const table = page.getByRole('table', { name: 'Import results' });
      const byConsole = (
        await table
          .locator('tbody tr')
          .evaluateAll((rows) =>
            rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
          )
      )
        .map(([row, username, result]) => [
          Number(row),
          username!,
          result!.replaceAll(networkId, 'NETWORK'),
        ])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
      await screenshot(page, 'directory-import');

      expect(byConsole).toEqual(byCli);
      // Groups named (in any case) were found; the unknown one and the bad rows say why.
      expect(byConsole).toEqual([
        [2, 'ann@example.com', 'Invited'],
        [3, 'ben@example.com', 'Invited'],
        [4, 'cat@example.com', expect.stringMatching(/Marketing/)],
        [5, 'dan@example.com', expect.stringMatching(/inviteCodeTtl .*"soon"/)],
        [6, 'ANN@example.com', expect.stringMatching(/duplicate of row 2/)],
        [7, 'eve@example.com', 'Invited'],
      ]);
    },
    STEP,
  );

  it(
    "shows a row's validation error at its row, and keeps only the people not invited",
    async () => {
      guard.allow(/status of 422/);
      await page.getByRole('button', { name: 'Invite users' }).click();
      const people = ['fay@example.com', `${'x'.repeat(300)}@example.com`, 'ann@example.com'];
      for (const [i, username] of people.entries()) {
        if (i > 0) await page.getByRole('button', { name: 'Add another person' }).click();
        await page
          .getByRole('group', { name: `Person ${i + 1}` })
          .getByLabel('Username (e-mail)')
          .fill(username);
      }
      await page.getByRole('button', { name: 'Send invitations' }).click();
      // This server has no WICKR_SMTP_URL: the invitation is queued, not sent.
      await page
        .getByText(/^1 invitation queued \(mail is not configured.*\)\. 2 not sent/)
        .waitFor();
      // Fay was invited and left the form; the other two stay, in order, each with its reason.
      await expect.poll(() => page.getByRole('group', { name: /^Person \d$/ }).count()).toBe(2);
      const long = page.getByRole('group', { name: 'Person 1' }).getByLabel('Username (e-mail)');
      expect(await long.inputValue()).toMatch(/^x{300}@/);
      expect(await long.getAttribute('aria-invalid')).toBe('true');
      const why = await long.evaluate((e) =>
        (e.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .map((id: string) => e.ownerDocument.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
      expect(why).toMatch(/at most 256 characters/);
      const again = page.getByRole('group', { name: 'Person 2' }).getByLabel('Username (e-mail)');
      expect(await again.inputValue()).toBe('ann@example.com');
      expect(await again.getAttribute('aria-invalid')).toBe('true');
      await screenshot(page, 'directory-invite-partial');
      await page.getByRole('button', { name: 'Invite users' }).click();
    },
    STEP,
  );

  it(
    'lists a declined user as Declined, filters by Declined and Suspended, and counts add up',
    async () => {
      const { users } = await client.call('ListUsers', { networkId, maxResults: 100 });
      const ben = users!.find((u) => u.username === 'ben@example.com')!;
      const eve = users!.find((u) => u.username === 'eve@example.com')!;
      const declined = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/decline`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ben.username, inviteCode: ben.inviteCode }),
      });
      expect(declined.status).toBe(200);
      await client.call('BatchToggleUserSuspendStatus', {
        networkId,
        userIds: [eve.userId!],
        suspend: true,
      });
      await openUsers();
      await expect.poll(() => statusOf('ben@')).toBe('Declined');
      expect(await statusOf('eve@')).toBe('Pending (suspended)');
      expect(await statusOf('ann@')).toBe('Pending');
      // Every user is one of Active, Pending, Declined; Total is every row of "All".
      await expect.poll(counts).toMatchObject({ Active: 0, Pending: 3, Declined: 1, Total: 4 });
      expect(await usernames()).toHaveLength(4);

      const status = page.getByLabel('Status', { exact: true });
      expect(await status.locator('option').allInnerTexts()).toEqual([
        'All',
        'Pending',
        'Active',
        'Declined',
        'Suspended',
      ]);
      await status.selectOption({ label: 'Declined' });
      await expect.poll(usernames).toEqual(['ben@example.com']);
      await page.getByText(/picked out in the browser/).waitFor();
      await status.selectOption({ label: 'Suspended' });
      await expect.poll(usernames).toEqual(['eve@example.com']);
      await status.selectOption({ label: 'Pending' });
      await expect
        .poll(usernames)
        .toEqual(['ann@example.com', 'eve@example.com', 'fay@example.com']);
      await status.selectOption({ label: 'Active' });
      await page.getByText('No user matches these filters.').waitFor();
      await status.selectOption({ label: 'All' });
      await expect.poll(usernames).toHaveLength(4);
      await screenshot(page, 'directory-statuses');
    },
    STEP,
  );

  it(
    'keeps a bulk action’s summary when a later request fails, and retries only what was not done',
    async () => {
      const groups = await client.call('ListSecurityGroups', { networkId });
      const defaultGroup = groups.securityGroups!.find((g) => g.isDefault)!.id;
      for (const from of [0, 30])
        await client.call('BatchCreateUser', {
          networkId,
          users: Array.from({ length: 30 }, (_, i) => ({
            username: `bulk${String(from + i).padStart(2, '0')}@example.com`,
            securityGroupIds: [defaultGroup],
          })),
        });
      await openUsers();
      await expect.poll(async () => (await usernames()).length).toBeGreaterThan(60);
      const sent: string[][] = [];
      const reinvited = new Set<string>();
      await page.route('**/console/api/operations/BatchReinviteUser', async (route) => {
        sent.push((JSON.parse(route.request().postData()!) as { userIds: string[] }).userIds);
        const response = await route.fetch();
        const body = (await response.json()) as { successful?: { userId: string }[] };
        for (const s of body.successful ?? []) reinvited.add(s.userId);
        // The first request succeeds; the server fails the next one.
        if (sent.length === 1)
          await server.faults.add({
            operation: 'BatchReinviteUser',
            error: 'InternalServerError',
            times: 1,
          });
        await route.fulfill({ response });
      });
      guard.allow(/status of 500/);
      await page.getByLabel('Select all users on this page').check();
      const selected = (await usernames()).length;
      await page.getByRole('button', { name: 'Reinvite' }).click();
      const notice = page.getByRole('status').filter({ hasText: /^Reinvite: / });
      await notice.waitFor();
      expect(sent).toHaveLength(2);
      expect(sent[0]).toHaveLength(50);
      const done = reinvited.size;
      expect(done).toBeGreaterThan(40);
      expect(await notice.innerText()).toMatch(
        new RegExp(`^Reinvite: ${done} done.*${selected - 50} not done, still selected`),
      );
      await page.getByRole('alert').filter({ hasText: 'The server failed' }).waitFor();
      // Those done are no longer selected; the rest are, to run the action again.
      await expect
        .poll(() => page.getByRole('group', { name: 'Selected users' }).innerText())
        .toContain(`${selected - done} selected`);
      await screenshot(page, 'directory-bulk-partial');

      await page.getByRole('button', { name: 'Reinvite' }).click();
      await expect.poll(() => sent.length).toBe(3);
      expect(sent[2]!.filter((id) => sent[0]!.includes(id) && reinvited.has(id))).toEqual([]);
      await page
        .getByRole('status')
        .filter({ hasText: /^Reinvite: \d+ done/ })
        .filter({ hasNotText: 'not done' })
        .waitFor();
      await page.unroute('**/console/api/operations/BatchReinviteUser');
    },
    STEP,
  );

  it(
    'says what happened, with no earlier notice beside a failure',
    async () => {
      await openUsers();
      await page.getByLabel('Select ann@example.com').check();
      await page.getByRole('button', { name: 'Reinvite' }).click();
      await page.getByText('Reinvite: 1 done.').waitFor();
      await page.route('**/console/api/operations/BatchReinviteUser', (route) => route.abort());
      guard.allow(/Failed to load resource|ERR_FAILED/);
      await page.getByLabel('Select ann@example.com').check();
      await page.getByRole('button', { name: 'Reinvite' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toBe('No connection: The server cannot be reached.');
      expect(await page.getByText('Reinvite: 1 done.').count()).toBe(0);
      expect(await page.getByText(/Something went wrong/).count()).toBe(0);
      await page.unroute('**/console/api/operations/BatchReinviteUser');
    },
    STEP,
  );

  it(
    'edits a security group in sections, with labels, choices, lists, and reasons at their fields',
    async () => {
      guard.allow(/status of 422/);
      await page.goto(url(`/networks/${networkId}/security-groups`));
      await page
        .getByRole('row', { name: /Engineering/ })
        .getByRole('button', { name: 'Edit' })
        .click();
      const form = page.getByRole('form', { name: 'Edit Engineering' });
      for (const section of ['General', 'Messaging', 'Calling', 'Security', 'Federation'])
        await form.getByRole('heading', { name: section, level: 3 }).waitFor();
      const text = await form.innerText();
      for (const raw of ['Max bor', 'Is ato enabled', 'Atak package values', 'Sso max idle'])
        expect(text).not.toContain(raw);
      await form.getByLabel('Burn-on-read timer, at most').waitFor();
      expect(await form.getByText('seconds').count()).toBeGreaterThan(0);

      const mode = form.getByLabel('Local federation');
      expect(await mode.locator('option').allInnerTexts()).toEqual([
        'Local: this network only',
        'Restricted: the permitted networks below',
        'Global: every network',
      ]);
      await mode.selectOption({ label: 'Restricted: the permitted networks below' });
      await form.getByRole('button', { name: 'Add Network ID' }).click();
      await form.getByLabel('Network ID 1').fill('123');
      await form.getByLabel('Session length without SSO, at most').fill('30');
      await form.getByRole('button', { name: 'Save group' }).click();
      // The schema's reason for the list item, at that item.
      const item = form.getByLabel('Network ID 1');
      await expect.poll(() => item.getAttribute('aria-invalid')).toBe('true');
      await form
        .locator('.field.invalid')
        .getByText(/pattern|8 characters|digits/)
        .waitFor();
      await item.fill('12345678');
      await form.getByRole('button', { name: 'Save group' }).click();
      // Then the documented rule's reason, at the session field.
      const session = form.getByLabel('Session length without SSO, at most');
      await expect.poll(() => session.getAttribute('aria-invalid')).toBe('true');
      await form.getByText('must be 0 (disabled) or from 60 to 525600 minutes').waitFor();
      expect(await page.getByText(/Something went wrong|not valid JSON/).count()).toBe(0);
      await screenshot(page, 'directory-group-reasons');
      await session.fill('120');
      await form.getByRole('button', { name: 'Save group' }).click();
      await form.waitFor({ state: 'detached' });
      const groups = await client.call('ListSecurityGroups', { networkId });
      const settings = groups.securityGroups!.find(
        (g) => g.name === 'Engineering',
      )!.securityGroupSettings;
      expect(settings).toMatchObject({
        federationMode: 1,
        permittedNetworks: ['12345678'],
        maxNonSsoSessionMinutes: 120,
      });
    },
    STEP,
  );

  it(
    'disables what a read-only key may not do, and says why',
    async () => {
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:List*', 'wickr:Get*'],
        label: 'read-only',
      });
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await ctx.newPage();
      const g = new ConsoleGuard(p);
      await signIn(p, key.accessKeyId, key.secretAccessKey);
      await p.goto(url('/networks'));
      const row = p.getByRole('row', { name: /Console net/ });
      await row.waitFor();
      for (const button of [
        p.getByRole('button', { name: 'Create network' }),
        row.getByRole('button', { name: 'Rename' }),
        row.getByRole('button', { name: 'Delete' }),
      ]) {
        expect(await button.isDisabled()).toBe(true);
        const note = await button.getAttribute('aria-describedby');
        expect(note).toBeTruthy();
      }
      const note = await p.locator('.policy-note').innerText();
      expect(note).toContain(`${key.accessKeyId} is not authorized to perform wickr:CreateNetwork`);
      expect(note).toContain('wickr:UpdateNetwork');
      expect(note).toContain('wickr:DeleteNetwork');
      await screenshot(p, 'directory-read-only');
      await p.goto(url(`/networks/${networkId}/security-groups`));
      await p.getByRole('row', { name: /Engineering/ }).waitFor();
      expect(await p.getByRole('button', { name: 'Create group' }).isDisabled()).toBe(true);
      expect(
        await p
          .getByRole('row', { name: /Engineering/ })
          .getByRole('button', { name: 'Edit' })
          .isDisabled(),
      ).toBe(true);
      expect(g.take()).toEqual([]);
      await ctx.close();
    },
    STEP,
  );
});
