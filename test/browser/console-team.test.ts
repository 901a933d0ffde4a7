/**
 * The console's team directory and invitations without mail, in Debian's Chromium against a
 * real server: Export CSV holds exactly the network's users (every page); a bulk suspend from
 * a CSV with a bad row, whose second chunk's answer is lost, then retried, acts once per user
 * (the retried chunk repeats its idempotency token); the mail banner shows without
 * WICKR_SMTP_URL and not with it; Copy invite link in a pending user's panel copies the link
 * of that invitation's registration page; a key without wickr:RevealInvitationLinks sees the
 * button disabled with why, and the server refuses it; the SSO page shows the callback URL
 * and offers the OpenTDF provider as a choice.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmbedded, type AdminClient, type EmbeddedServer } from '../../src/index.js';
import { createKey } from '../../src/auth/keys.js';
import { parseCsvTable } from '../../src/client/csv/reader.js';
import { adminClient, networkWithGroup } from '../support/admin-call.js';
import { assertConsoleBuilt, ConsoleGuard, launchBrowser, screenshot } from '../support/browser.js';

const STEP = 120_000;
/** More than a page of ListUsers (100) and more than a batch (50). */
const USERS = 130;

describe('the console team directory and invitations without mail', () => {
  let server: EmbeddedServer;
  let client: AdminClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;
  let networkId: string;
  let groupId: string;

  const url = (p: string) => `${server.endpoint}/console${p}`;

  async function signIn(p: Page, s: EmbeddedServer, id: string, secret: string) {
    await p.goto(`${s.endpoint}/console/`);
    await p.getByLabel('Access key ID').fill(id);
    await p.getByLabel('Secret access key').fill(secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function openUsers(p: Page = page) {
    await p.goto(url(`/networks/${networkId}/users`));
    await p.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  }

  /** Network users as the database holds them: user ID → username. */
  async function usersInDatabase(): Promise<Map<string, string>> {
    const rows = await server.server.store.db
      .selectFrom('members')
      .select(['member_id', 'username', 'suspended'])
      .where('network_id', '=', networkId)
      .where('kind', '=', 'user')
      .execute();
    return new Map(rows.map((r) => [String(r.member_id), r.username]));
  }

  beforeAll(async () => {
    assertConsoleBuilt();
    server = await startEmbedded({ env: {} });
    client = adminClient(server);
    ({ networkId, groupId } = await networkWithGroup(client, 'Team net'));
    for (let i = 0; i < USERS; i += 50) {
      const n = Math.min(50, USERS - i);
      await client.call('BatchCreateUser', {
        networkId,
        users: Array.from({ length: n }, (_, k) => ({
          username: `person${String(i + k).padStart(3, '0')}@example.com`,
          firstName: i + k === 0 ? '=cmd|calc' : `First, "${i + k}"`,
          securityGroupIds: [groupId],
        })),
      });
    }
    browser = await launchBrowser();
    context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      acceptDownloads: true,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.endpoint,
    });
    page = await context.newPage();
    guard = new ConsoleGuard(page);
    await signIn(page, server, server.credentials.accessKeyId, server.credentials.secretAccessKey);
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
    'Export CSV holds every user of the network, read over every page',
    async () => {
      await openUsers();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`users-${networkId}.csv`);
      const table = parseCsvTable(readFileSync((await download.path())!, 'utf8'));
      expect(table.header).toEqual([
        'userId',
        'username',
        'firstName',
        'lastName',
        'securityGroupIds',
        'status',
        'suspended',
        'isAdmin',
      ]);
      const exported = new Map(
        table.rows.map((r) => [r.values.get('userid')!, r.values.get('username')!]),
      );
      expect(table.rows).toHaveLength(USERS);
      expect(exported).toEqual(await usersInDatabase());
      const first = table.rows.find((r) => r.values.get('username') === 'person001@example.com')!;
      expect(first.values.get('firstname')).toBe('First, "1"');
      expect(first.values.get('securityGroupIds'.toLowerCase())).toBe(groupId);
      // A formula is not run by a spreadsheet opening the file.
      const zero = table.rows.find((r) => r.values.get('username') === 'person000@example.com')!;
      expect(zero.values.get('firstname')).toBe("'=cmd|calc");
      await page.getByText(`Exported ${USERS} users to users-${networkId}.csv.`).waitFor();
    },
    STEP,
  );

  it(
    'suspends from a CSV with a bad row; after a lost answer, a retry acts once per user',
    async () => {
      await openUsers();
      await page.getByRole('button', { name: 'Bulk actions from CSV' }).click();
      const form = page.getByRole('form', { name: 'Bulk actions from CSV' });
      const names = Array.from(
        { length: 60 },
        (_, k) => `person${String(k).padStart(3, '0')}@example.com`,
      );
      const csv = ['username', ...names.slice(0, 30), 'nobody@example.com', ...names.slice(30)];
      await form.getByLabel('CSV file of users').setInputFiles({
        name: 'suspend.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv.join('\n')),
      });
      await form.getByRole('button', { name: 'Preview' }).click();
      const rows = form.getByRole('table', { name: 'Rows of the file' });
      await rows.getByRole('row', { name: /nobody@example\.com/ }).waitFor();
      expect(await rows.getByRole('row', { name: /nobody@example\.com/ }).innerText()).toContain(
        `no user named nobody@example.com in network ${networkId}`,
      );
      await screenshot(page, 'team-bulk-preview');

      // The second chunk reaches the server, which suspends its users, but its answer is lost.
      const tokens: string[] = [];
      let calls = 0;
      await page.route('**/console/api/operations/BatchToggleUserSuspendStatus', async (route) => {
        calls++;
        tokens.push(JSON.parse(route.request().postData() ?? '{}').clientToken as string);
        if (calls === 2) {
          await route.fetch();
          await route.abort('connectionreset');
        } else await route.continue();
      });
      guard.allow(/Failed to load resource/);
      await form.getByRole('button', { name: 'Suspend 60 users' }).click();
      await form
        .getByText(/Stopped: 10 not done; run Suspend again to send only those\./)
        .waitFor();
      await form.getByRole('button', { name: 'Suspend 10 users' }).click();
      await form.getByText(/1 row with an error; 60 suspended\./).waitFor();
      expect(calls).toBe(3);
      // The retry sent the lost chunk again with its token: the server answered from its record.
      expect(tokens[2]).toBe(tokens[1]);
      expect(tokens[0]).not.toBe(tokens[1]);
      await page.unroute('**/console/api/operations/BatchToggleUserSuspendStatus');
      await screenshot(page, 'team-bulk-done');

      const suspended = await server.server.store.db
        .selectFrom('members')
        .select('username')
        .where('network_id', '=', networkId)
        .where('suspended', '=', 1)
        .execute();
      expect(suspended.map((r) => r.username).sort()).toEqual(names);
      // Each user was acted on once: two recorded batches, every user in exactly one.
      const { records } = await server.audit({
        networkId,
        operation: 'BatchToggleUserSuspendStatus',
      });
      const acted = records
        .filter((r) => r.outcome === 'success')
        .flatMap((r) => (r.parameters as { userIds: string[] }).userIds);
      expect(acted).toHaveLength(60);
      expect(new Set(acted).size).toBe(60);
      await client.call('BatchToggleUserSuspendStatus', {
        networkId,
        userIds: [...(await usersInDatabase()).keys()].slice(0, 50),
        suspend: false,
      });
      await client.call('BatchToggleUserSuspendStatus', {
        networkId,
        userIds: [...(await usersInDatabase()).keys()].slice(50, 100),
        suspend: false,
      });
    },
    STEP,
  );

  it(
    'shows the mail banner without WICKR_SMTP_URL, on Invitations and where users are invited',
    async () => {
      await page.goto(url(`/networks/${networkId}/invitations`));
      await page.getByRole('table', { name: /Outbox of network/ }).waitFor();
      const banner = page.getByRole('note', { name: 'Mail is not configured' });
      await banner.waitFor();
      expect(await banner.innerText()).toMatch(/They wait in the outbox/);
      await openUsers();
      await page.getByRole('button', { name: 'Invite users' }).click();
      await page.getByRole('note', { name: 'Mail is not configured' }).waitFor();

      const mailed = await startEmbedded({ env: {}, smtpUrl: 'smtp://127.0.0.1:9' });
      try {
        // A browser of its own: the session cookie is per host, whatever the port.
        const otherContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const other = await otherContext.newPage();
        const { networkId: id } = await networkWithGroup(adminClient(mailed), 'Mailed');
        await signIn(
          other,
          mailed,
          mailed.credentials.accessKeyId,
          mailed.credentials.secretAccessKey,
        );
        await other.goto(`${mailed.endpoint}/console/networks/${id}/invitations`);
        await other.getByText('No messages.').waitFor();
        // The answer that says whether mail is configured has come.
        await other.waitForLoadState('networkidle');
        expect(await other.getByRole('note', { name: 'Mail is not configured' }).count()).toBe(0);
        await otherContext.close();
      } finally {
        await mailed.close();
      }
    },
    STEP,
  );

  it(
    "Copy invite link in a pending user's panel copies the link of that invitation's page",
    async () => {
      const name = 'person120@example.com';
      await openUsers();
      await page.getByRole('searchbox', { name: 'Search usernames' }).fill(name);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('button', { name }).click();
      const panel = page.getByRole('dialog', { name: 'User details' });
      await panel.getByText('Attempts').waitFor();
      expect(await panel.getByRole('heading', { name: 'Invitation' }).count()).toBe(1);
      await panel.getByRole('button', { name: 'Copy invite link' }).click();
      await panel.getByText('Invite link copied to the clipboard.').waitFor();
      await screenshot(page, 'team-invite-link');
      const link = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(link).toMatch(new RegExp(`^${server.endpoint}/client/v1/networks/${networkId}/`));
      expect(await panel.getByRole('textbox', { name: /Invite link/ }).inputValue()).toBe(link);

      const invitee = await context.newPage();
      await invitee.goto(link);
      await invitee.getByText(name).first().waitFor();
      expect(await invitee.locator('input[name="inviteCode"]').inputValue()).toBe(
        new URL(link).searchParams.get('inviteCode'),
      );
      await invitee.close();
      const { records } = await server.audit({ operation: 'RevealInvitationLinks' });
      expect(records.filter((r) => r.outcome === 'success')).toHaveLength(1);
    },
    STEP,
  );

  it(
    'a key without wickr:RevealInvitationLinks sees Copy invite link disabled, and the server refuses it',
    async () => {
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:Get*', 'wickr:List*'],
      });
      // A browser of its own: the session cookie is the browser's.
      const roContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const ro = await roContext.newPage();
      const roGuard = new ConsoleGuard(ro);
      try {
        await signIn(ro, server, key.accessKeyId, key.secretAccessKey);
        await ro.goto(url(`/networks/${networkId}/users`));
        await ro.getByRole('button', { name: 'person050@example.com' }).click();
        const panel = ro.getByRole('dialog', { name: 'User details' });
        const button = panel.getByRole('button', { name: 'Copy invite link' });
        await button.waitFor();
        expect(await button.isDisabled()).toBe(true);
        expect(await panel.getByText(/the key needs wickr:RevealInvitationLinks/).count()).toBe(1);
        // Not just hidden: the server says no to the same request from this session.
        roGuard.allow(/403/);
        const answer = (await ro.evaluate(`(async () => {
          const s = await (await fetch('/console/api/session')).json();
          const r = await fetch('/console/api/operations/RevealInvitationLinks', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
            body: JSON.stringify({ networkId: '${networkId}', userIds: ['1'] }),
          });
          return { status: r.status, type: r.headers.get('x-amzn-errortype'), body: await r.json() };
        })()`)) as { status: number; type: string; body: { message: string } };
        expect(answer.status).toBe(403);
        expect(answer.type).toBe('ForbiddenError');
        expect(answer.body.message).toBe(
          `Access key ${key.accessKeyId} is not authorized to perform wickr:RevealInvitationLinks.`,
        );
        expect(roGuard.take()).toEqual([]);
      } finally {
        await roContext.close();
      }
    },
    STEP,
  );

  it(
    'the SSO page shows the callback URL to register, and offers the OpenTDF provider as a choice',
    async () => {
      // Nothing is configured yet: GetOidcInfo and GetOpentdfConfig answer 404.
      guard.allow(/404/);
      // The provider refused below, at its field.
      guard.allow(/422/);
      await page.goto(url(`/networks/${networkId}/sso`));
      const callback = `${server.endpoint}/client/v1/networks/${networkId}/sso/callback`;
      await page.getByText(callback).waitFor();
      await page.getByRole('button', { name: 'Copy callback URL' }).click();
      await page.getByText('Callback URL copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(callback);

      const tdf = page.getByRole('form', { name: 'OpenTDF' });
      const provider = tdf.getByRole('combobox', { name: 'Provider' });
      expect(await provider.inputValue()).toBe('virtru');
      expect(await provider.locator('option').allInnerTexts()).toEqual(['Virtru', 'Other…']);
      await provider.selectOption('other');
      await tdf.getByLabel('Other provider').fill('acme');
      await tdf.getByLabel('Domain').fill('tdf.example.com');
      await tdf.getByLabel('TDF client ID').fill('client');
      await tdf.getByLabel('TDF client secret').fill('secret');
      await tdf.getByRole('button', { name: 'Validate only' }).click();
      await tdf.getByText('only "virtru" is supported as the OpenTDF provider').waitFor();
    },
    STEP,
  );
});
