/**
 * The invitee's page in a real browser (Debian's Chromium through playwright-core): an
 * invitation e-mail caught by a real SMTP server, its link opened, the person registers, and
 * the Admin API sees the user active with the browser's device. Any console error fails.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { deviceType } from '../../src/domain/device-types.js';
import { adminClient, networkWithGroup } from '../support/admin-call.js';
import { ConsoleGuard, launchBrowser, screenshot } from '../support/browser.js';
import { startMailSink, type MailSink } from '../support/mail-sink.js';

let server: EmbeddedServer;
let sink: MailSink;
let browser: Browser;
let networkId: string;
let groupId: string;

const admin = () => adminClient(server);

async function inviteAndCatchLink(username: string) {
  const r = await admin().call('BatchCreateUser', {
    networkId,
    users: [{ username, securityGroupIds: [groupId] }],
  });
  const [u] = r.successful ?? [];
  const [mail] = await sink.waitFor(username);
  const link = /Register here: (\S+)/.exec(mail?.text ?? '')?.[1];
  if (!u || !link) throw new Error(`no invitation e-mail for ${username}`);
  return { userId: u.userId!, link };
}

beforeAll(async () => {
  sink = await startMailSink();
  server = await startEmbedded({ smtpUrl: sink.url });
  ({ networkId, groupId } = await networkWithGroup(admin(), 'Browser team'));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sink?.stop();
});

describe('the invitation page in a browser', () => {
  it('opens from the e-mail, registers, and the user is active', async () => {
    const { userId, link } = await inviteAndCatchLink('browser-user@example.com');
    const page = await browser.newPage();
    const errors = new ConsoleGuard(page).errors;

    await page.goto(link);
    await expect(
      page.getByRole('heading', { name: 'Join Browser team on Wickr' }).count(),
    ).resolves.toBe(1);
    expect(await page.getByText('Your invitation is valid.').count()).toBe(1);
    expect(await page.getByText('browser-user@example.com').count()).toBe(1);
    // The platform comes from the browser (the tiny script), and stays editable.
    const platform = await page.getByLabel('Platform').inputValue();
    expect(platform).not.toBe('');
    await page.getByLabel('Device name').fill('Test laptop');
    await screenshot(page, 'invitation', { surface: 'invitee' });

    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'You are registered' }).waitFor();
    expect(await page.getByText('What happens next').count()).toBe(1);
    await screenshot(page, 'registered', { surface: 'invitee' });

    const user = await admin().call('GetUser', { networkId, userId });
    expect(user.status).toBe(2);
    const { devices = [] } = await admin().call('ListDevicesForUser', { networkId, userId });
    expect(devices.map((d) => d.type)).toEqual([deviceType(platform)]);

    // The link again: already used, said at once.
    await page.goto(link);
    await page.getByRole('heading', { name: 'This invitation was already used' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('declines from the page', async () => {
    const { userId, link } = await inviteAndCatchLink('browser-decline@example.com');
    const page = await browser.newPage();
    const errors = new ConsoleGuard(page).errors;
    await page.goto(link);
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.getByRole('heading', { name: 'You declined the invitation' }).waitFor();
    const counts = await admin().call('GetUsersCount', { networkId });
    expect(counts.rejected).toBe(1);
    expect((await admin().call('GetUser', { networkId, userId })).status).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a wrong code as a page that names nothing, without console errors', async () => {
    const page = await browser.newPage();
    const errors = new ConsoleGuard(page).errors;
    const res = await page.goto(
      `${server.endpoint}/client/v1/networks/${networkId}/invitation?username=someone%40example.com&inviteCode=WRONG`,
    );
    expect(res?.status()).toBe(400);
    await page.getByRole('heading', { name: 'This invitation link is not valid' }).waitFor();
    expect(await page.getByText('someone@example.com').count()).toBe(0);
    await screenshot(page, 'not-valid', { surface: 'invitee' });
    // Chromium logs the page's own 400 as a failed resource: the one error this test provokes.
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await page.close();
  });
});
