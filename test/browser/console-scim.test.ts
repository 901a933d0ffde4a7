/**
 * The console's SCIM page in Debian's Chromium against a real server: the network's SCIM base
 * URL, copied; a token created on the page (shown once, copied) answers a real SCIM request,
 * then is revoked on the page and refused (401); a read-only key sees Create and Revoke
 * disabled with the reason, and still sees the tokens.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createKey } from '../../src/auth/keys.js';
import { createScimToken } from '../../src/domain/owners/scim-tokens.js';
import { startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { adminClient, networkWithGroup } from '../support/admin-call.js';
import {
  assertConsoleBuilt,
  ConsoleGuard,
  launchBrowser,
  screenshot,
  signInConsole,
} from '../support/browser.js';

const STEP = 120_000;

describe('the SCIM page', () => {
  let server: EmbeddedServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let guard: ConsoleGuard;
  let networkId: string;

  const url = (p: string) => `${server.endpoint}/console${p}`;
  const clipboard = () => page.evaluate('navigator.clipboard.readText()') as Promise<string>;
  /** A SCIM request as an identity provider makes it: the connection test's user list. */
  const listUsers = (baseUrl: string, token: string) =>
    fetch(`${baseUrl}/Users?startIndex=1&count=2`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' },
    });

  const signIn = (p: Page, id: string, secret: string) =>
    signInConsole(p, server.endpoint, id, secret);

  beforeAll(async () => {
    assertConsoleBuilt();
    server = await startEmbedded({});
    ({ networkId } = await networkWithGroup(adminClient(server), 'SCIM page'));
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
    'a token created on the page provisions over SCIM, then is revoked on the page and refused',
    async () => {
      await page.goto(url(`/networks/${networkId}/dashboard`));
      await page.getByRole('link', { name: 'SCIM', exact: true }).click();
      await page.getByRole('heading', { name: 'SCIM', level: 1 }).waitFor();
      expect(page.url()).toBe(url(`/networks/${networkId}/scim`));

      // The base URL is the server's public URL (here its endpoint) and the network's path.
      const baseUrl = `${server.endpoint}/scim/v2/networks/${networkId}`;
      await page.getByText(baseUrl, { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Copy SCIM base URL' }).click();
      await page.getByText('SCIM base URL copied to the clipboard.').waitFor();
      expect(await clipboard()).toBe(baseUrl);
      await page.getByText('No SCIM tokens for this network yet.').waitFor();

      await page.getByRole('button', { name: 'Create SCIM token' }).click();
      await page.getByLabel('Label').fill('okta');
      await screenshot(page, 'scim-token-create-1400');
      await page.getByRole('button', { name: 'Create SCIM token' }).last().click();
      const tokenBox = page.getByLabel('SCIM token', { exact: true });
      await tokenBox.waitFor();
      const token = await tokenBox.inputValue();
      const tokenId = await page.getByLabel('Token ID').inputValue();
      expect(tokenId).toMatch(/^scim-[0-9a-f]+$/);
      expect(await page.getByLabel('SCIM base URL', { exact: true }).inputValue()).toBe(baseUrl);
      await page.getByRole('button', { name: 'Copy SCIM token' }).click();
      await page.getByText('The SCIM token is copied to the clipboard.').waitFor();
      expect(await clipboard()).toBe(token);
      await screenshot(page, 'scim-token-created-1400');

      // The identity provider's connection test, with the copied token.
      const ok = await listUsers(baseUrl, token);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { schemas: string[] }).schemas).toEqual([
        'urn:ietf:params:scim:api:messages:2.0:ListResponse',
      ]);

      await page.getByRole('button', { name: 'Done: I have stored the token' }).click();
      expect(await tokenBox.count()).toBe(0);
      // The token is on no page now.
      expect(await page.content()).not.toContain(token);
      const table = page.getByRole('table', { name: 'SCIM tokens' });
      const row = table.getByRole('row', { name: new RegExp(tokenId) });
      await row.waitFor();
      expect(await row.getByRole('cell').nth(1).innerText()).toBe('okta');
      expect(await row.getByRole('cell').nth(3).innerText()).toBe('Active');

      // Escape cancels the confirmation: nothing revoked.
      await row.getByRole('button', { name: 'Revoke' }).click();
      const confirm = page.getByRole('dialog', { name: `Revoke SCIM token ${tokenId}?` });
      await confirm.waitFor();
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      expect((await listUsers(baseUrl, token)).status).toBe(200);

      await row.getByRole('button', { name: 'Revoke' }).click();
      await screenshot(page, 'scim-token-revoke-1400');
      await confirm.getByRole('button', { name: 'Revoke' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `SCIM token ${tokenId} is revoked` })
        .waitFor();
      await expect.poll(() => row.getByRole('cell').nth(3).innerText()).toMatch(/^Revoked/);
      expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      expect((await listUsers(baseUrl, token)).status).toBe(401);
    },
    STEP,
  );

  it(
    'a read-only key sees the tokens, and Create and Revoke disabled with the reason',
    async () => {
      const made = await createScimToken(server.server.store.db, networkId, Date.now(), 'entra');
      const key = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:List*', 'wickr:Get*'],
        label: 'read only',
      });
      await signIn(page, key.accessKeyId, key.secretAccessKey);
      await page.goto(url(`/networks/${networkId}/scim`));
      const row = page
        .getByRole('table', { name: 'SCIM tokens' })
        .getByRole('row', { name: new RegExp(made.tokenId) });
      await row.waitFor();
      const create = page.getByRole('button', { name: 'Create SCIM token' });
      const revoke = row.getByRole('button', { name: 'Revoke' });
      expect(await create.isDisabled()).toBe(true);
      expect(await revoke.isDisabled()).toBe(true);
      const note = await page.locator('#scim-policy').innerText();
      expect(note).toContain(
        `Access key ${key.accessKeyId} is not authorized to perform wickr:CreateScimToken.`,
      );
      expect(note).toContain(
        `Access key ${key.accessKeyId} is not authorized to perform wickr:RevokeScimToken.`,
      );
      expect(await create.getAttribute('aria-describedby')).toBe('scim-policy');
      expect(await revoke.getAttribute('aria-describedby')).toBe('scim-policy');
      // The base URL is no secret: it is shown to a read-only key too.
      await page.getByRole('button', { name: 'Copy SCIM base URL' }).waitFor();
      await screenshot(page, 'scim-refused-1400');
      await signIn(page, server.credentials.accessKeyId, server.credentials.secretAccessKey);
    },
    STEP,
  );
});
