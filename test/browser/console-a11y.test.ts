/**
 * Every page of the console, at a desktop's width and a phone's (1,400 and 390 px), in Debian's
 * Chromium against a real server: no serious or critical axe-core violation, no horizontal
 * scroll of the page (wide tables scroll in their own region), and a screenshot of each in
 * test-results/console/ (a11y-<page>-<width>.png). Then the keyboard: the skip link, focus
 * back on the opener after a dialog, and the Menu button that opens the folded navigation.
 *
 * A new page adds its row to PAGES.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { createScimToken } from '../../src/domain/owners/scim-tokens.js';
import { adminClient } from '../support/admin-call.js';
import { signedRequest } from '../support/signed-request.js';
import { assertConsoleBuilt, ConsoleGuard, launchBrowser } from '../support/browser.js';
import { walkPages, type PageRow } from '../support/axe.js';

const STEP = 120_000;

describe('the console at desktop and phone width, by mouse and by keyboard', () => {
  let server: EmbeddedServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;
  let networkId: string;

  const url = (path: string) => `${server.endpoint}/console${path}`;
  const net = (section: string) => url(`/networks/${networkId}/${section}`);
  const heading = (p: Page, name: string) =>
    p.getByRole('heading', { name, exact: true, level: 1 }).waitFor();

  /** The pages and the states of them worth a look (a panel open, a dialog). */
  const PAGES: PageRow[] = [
    {
      name: 'networks',
      open: async (p) => {
        await p.goto(url('/networks'));
        await p.getByRole('row', { name: /Acme field/ }).waitFor();
      },
    },
    {
      name: 'network-settings',
      open: async (p) => {
        await p.goto(net('settings'));
        await p.getByRole('button', { name: 'Save settings' }).waitFor();
      },
    },
    {
      name: 'users',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('row', { name: /ann@example.com/ }).waitFor();
      },
    },
    {
      name: 'users-invite',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'Invite users' }).click();
        await p.getByRole('button', { name: 'Send invitations' }).waitFor();
      },
    },
    {
      name: 'users-import',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'Import CSV' }).click();
        await p.getByLabel('CSV file').waitFor();
      },
    },
    {
      name: 'users-lookup',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'Look up unames' }).click();
        await p.getByLabel('Unames', { exact: true }).waitFor();
      },
    },
    {
      name: 'user-detail',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'ann@example.com' }).click();
        await p.getByRole('dialog', { name: 'User details' }).getByText('No devices').waitFor();
      },
    },
    {
      // A pending user's invitation, its link read (the browser may refuse the copy here).
      name: 'user-invite-link',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'ben@example.com' }).click();
        const panel = p.getByRole('dialog', { name: 'User details' });
        await panel.getByRole('button', { name: 'Copy invite link' }).click();
        await panel.getByRole('textbox', { name: /Invite link/ }).waitFor();
      },
    },
    {
      name: 'users-bulk-csv',
      open: async (p) => {
        await p.goto(net('users'));
        await p.getByRole('button', { name: 'Bulk actions from CSV' }).click();
        const form = p.getByRole('form', { name: 'Bulk actions from CSV' });
        await form.getByLabel('CSV file of users').setInputFiles({
          name: 'users.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('username\nann@example.com\nnobody@example.com\n'),
        });
        await form.getByRole('button', { name: 'Preview' }).click();
        await form.getByRole('table', { name: 'Rows of the file' }).waitFor();
      },
    },
    {
      name: 'security-groups',
      open: async (p) => {
        await p.goto(net('security-groups'));
        await p.getByRole('row', { name: /Field team/ }).waitFor();
      },
    },
    {
      name: 'security-group-editor',
      open: async (p) => {
        await p.goto(net('security-groups'));
        await p
          .getByRole('row', { name: /Field team/ })
          .getByRole('button', { name: 'Edit' })
          .click();
        await p.getByRole('heading', { name: 'Federation' }).waitFor();
      },
    },
    {
      name: 'delete-confirmation',
      open: async (p) => {
        await p.goto(net('security-groups'));
        await p
          .getByRole('row', { name: /Field team/ })
          .getByRole('button', { name: 'Delete' })
          .click();
        await p.getByRole('dialog').waitFor();
      },
    },
    {
      name: 'bots',
      open: async (p) => {
        await p.goto(net('bots'));
        await p.getByRole('row', { name: /alertsbot/ }).waitFor();
      },
    },
    {
      name: 'data-retention',
      open: async (p) => {
        await p.goto(net('data-retention'));
        await p.getByRole('button', { name: 'Create bot' }).waitFor();
      },
    },
    {
      name: 'guest-users',
      open: async (p) => {
        await p.goto(net('guest-users'));
        await p.getByRole('img', { name: 'Guest users per month' }).waitFor();
      },
    },
    {
      name: 'sso',
      open: async (p) => {
        await p.goto(net('sso'));
        await p.getByRole('button', { name: 'Save OpenTDF configuration' }).waitFor();
      },
    },
    {
      name: 'scim',
      open: async (p) => {
        await p.goto(net('scim'));
        await p.getByRole('row', { name: /a11y token/ }).waitFor();
        await p.getByRole('button', { name: 'Copy SCIM base URL' }).waitFor();
      },
    },
    {
      // A token made on the page, shown once (one more token each width).
      name: 'scim-token-created',
      open: async (p) => {
        await p.goto(net('scim'));
        await p.getByRole('button', { name: 'Create SCIM token' }).click();
        await p.getByLabel('Label').fill('okta');
        await p.getByRole('button', { name: 'Create SCIM token' }).last().click();
        await p.getByRole('button', { name: 'Copy SCIM token' }).waitFor();
      },
    },
    {
      name: 'invitations',
      open: async (p) => {
        await p.goto(net('invitations'));
        await p.getByRole('table', { name: /Outbox of network/ }).waitFor();
      },
    },
    {
      name: 'dashboard',
      open: async (p) => {
        await p.goto(net('dashboard'));
        await p.getByRole('table', { name: 'Users by status' }).waitFor();
      },
    },
    {
      name: 'audit',
      open: async (p) => {
        await p.goto(url('/audit'));
        await p.getByRole('table', { name: 'Audit records, newest first' }).waitFor();
      },
    },
    {
      name: 'audit-record',
      open: async (p) => {
        await p.goto(url('/audit'));
        await p
          .getByRole('table', { name: 'Audit records, newest first' })
          .getByRole('button')
          .first()
          .click();
        await p.getByRole('dialog', { name: 'Audit record' }).waitFor();
      },
    },
    {
      name: 'access-keys',
      open: async (p) => {
        await p.goto(url('/access-keys'));
        await p.getByRole('table', { name: 'Access keys' }).waitFor();
      },
    },
    {
      name: 'access-key-create',
      open: async (p) => {
        await p.goto(url('/access-keys'));
        await p.getByRole('button', { name: 'Create access key' }).click();
        await p.getByLabel('Allowed actions').waitFor();
      },
    },
    {
      name: 'choose-network',
      open: async (p) => {
        await p.goto(url('/choose/bots'));
        await heading(p, 'Choose a network');
      },
    },
  ];

  async function signIn(p: Page) {
    await p.goto(url('/'));
    await p.getByLabel('Access key ID').fill(server.credentials.accessKeyId);
    await p.getByLabel('Secret access key').fill(server.credentials.secretAccessKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  beforeAll(async () => {
    assertConsoleBuilt();
    server = await startEmbedded({});
    const client = adminClient(server);
    networkId = (
      await client.call('CreateNetwork', { networkName: 'Acme field', accessLevel: 'STANDARD' })
    ).networkId!;
    const groups = await client.call('ListSecurityGroups', { networkId });
    const groupId = groups.securityGroups![0]!.id;
    await client.call('CreateSecurityGroup', {
      networkId,
      name: 'Field team',
      securityGroupSettings: {},
    });
    await client.call('BatchCreateUser', {
      networkId,
      users: ['ann', 'ben', 'cat'].map((n) => ({
        username: `${n}@example.com`,
        firstName: n.toUpperCase(),
        securityGroupIds: [groupId],
      })),
    });
    await createScimToken(server.server.store.db, networkId, Date.now(), 'a11y token');
    await client.call('CreateBot', {
      networkId,
      username: 'alertsbot',
      groupId,
      challenge: 'a-bot-password-1',
    });
    // A federated network's report, signed.
    const activity = await signedRequest(
      server,
      'POST',
      `/client/v1/networks/${networkId}/guest-activity`,
      JSON.stringify({ username: 'guest@partner.example' }),
    );
    expect(activity.status).toBe(200);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    guard = new ConsoleGuard(page);
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
    'the sign-in page has no serious accessibility violation at either width',
    async () => {
      const findings = await walkPages(page, [
        {
          name: 'sign-in',
          open: async (p) => {
            await p.goto(url('/'));
            await p.getByRole('button', { name: 'Sign in' }).waitFor();
          },
        },
      ]);
      expect(findings.filter((f) => f.violations.length || f.overflow)).toEqual([]);
    },
    STEP,
  );

  it(
    'every page: no serious or critical axe-core violation and no page-wide horizontal scroll, at 1,400 and 390 px',
    async () => {
      // GetOidcInfo and GetOpentdfConfig answer 404 for a network without SSO, as AWS does.
      guard.allow(/status of 404/);
      await signIn(page);
      const findings = await walkPages(page, PAGES);
      expect(findings).toHaveLength(PAGES.length * 2);
      expect(findings.filter((f) => f.violations.length || f.overflow)).toEqual([]);
    },
    STEP * 3,
  );

  it(
    'a skip link is the first tab stop and moves focus to the content',
    async () => {
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.goto(net('users'));
      await page.getByRole('row', { name: /ann@example.com/ }).waitFor();
      await page.keyboard.press('Tab');
      const first = page.getByRole('link', { name: 'Skip to content' });
      await expect
        .poll(() => first.evaluate((e) => e === e.ownerDocument.activeElement))
        .toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('content');
      // The next tab stop is in the page, not the navigation.
      await page.keyboard.press('Tab');
      expect(await page.evaluate("document.activeElement.closest('main') !== null")).toBe(true);
    },
    STEP,
  );

  it(
    'focus returns to the opener when a dialog closes',
    async () => {
      await page.goto(net('security-groups'));
      const del = page
        .getByRole('row', { name: /Field team/ })
        .getByRole('button', { name: 'Delete' });
      await del.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => del.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);

      await page.goto(net('users'));
      const ann = page.getByRole('button', { name: 'ann@example.com' });
      await ann.click();
      const panel = page.getByRole('dialog', { name: 'User details' });
      await panel.getByRole('button', { name: 'Close' }).click();
      await panel.waitFor({ state: 'detached' });
      await expect.poll(() => ann.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    },
    STEP,
  );

  it(
    'at phone width the navigation folds behind a Menu button',
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(net('users'));
      await page.getByRole('row', { name: /ann@example.com/ }).waitFor();
      const bots = page.getByRole('link', { name: 'Bots', exact: true });
      expect(await bots.isVisible()).toBe(false);
      const menu = page.getByRole('button', { name: 'Menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await bots.click();
      await page.getByRole('row', { name: /alertsbot/ }).waitFor();
      // Choosing a page folds the navigation again.
      expect(await bots.isVisible()).toBe(false);
      await page.setViewportSize({ width: 1400, height: 900 });
      expect(await menu.isVisible()).toBe(false);
      expect(await bots.isVisible()).toBe(true);
    },
    STEP,
  );
});
