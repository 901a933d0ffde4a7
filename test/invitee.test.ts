/**
 * The invitee surface seen by a person: the invitation e-mail (text and HTML parts, caught by
 * a real SMTP server), the page its link opens in each state, the page's form, and the log
 * line each invitee request leaves (what it was about, how it ended, no code).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer, type Input } from '../src/index.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { startMailSink, type CaughtMail, type MailSink } from './support/mail-sink.js';
import { signedRequest } from './support/signed-request.js';

const DAY = 86_400_000;
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

let server: Pick<EmbeddedServer, 'endpoint' | 'credentials' | 'server' | 'close'>;
let sink: MailSink;
let clock = Date.now();
const logLines: Record<string, unknown>[] = [];
let networkId: string;
let groupId: string;
// Markup in the network's name: everything the page and the e-mail show must be escaped.
const NETWORK_NAME = `Ops <i>"Q"</i> & 'x'`;
const NETWORK_NAME_HTML = 'Ops &lt;i&gt;&quot;Q&quot;&lt;/i&gt; &amp; &#39;x&#39;';

const admin = () => adminClient(server, () => clock);

type NewUser = Input<'BatchCreateUser'>['users'][number];

async function invite(username: string, extra: Partial<NewUser> = {}) {
  const r = await admin().call('BatchCreateUser', {
    networkId,
    users: [{ username, securityGroupIds: [groupId], ...extra }],
  });
  const ok = r.successful ?? [];
  expect(ok).toHaveLength(1);
  return ok[0] as { userId: string; inviteCode: string };
}

async function user(userId: string) {
  return admin().call('GetUser', { networkId, userId });
}

async function failures(userId: string): Promise<number> {
  const { users } = await admin().call('ListUsers', { networkId, maxResults: 100 });
  return users!.find((x) => x.userId === userId)!.challengeFailures!;
}

function linkOf(mail: CaughtMail): string {
  const m = /Register here: (\S+)/.exec(mail.text ?? '');
  if (!m) throw new Error(`no link in ${mail.text}`);
  return m[1]!;
}

const pageUrl = (username: string, inviteCode: string) =>
  `${server.endpoint}/client/v1/networks/${networkId}/invitation?${new URLSearchParams({ username, inviteCode }).toString()}`;

async function page(url: string) {
  const res = await fetch(url, { headers: HTML });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

async function submit(fields: Record<string, string>) {
  const res = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/invitation`, {
    method: 'POST',
    headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, html: await res.text() };
}

/** The page without its per-response nonce, to compare two pages. */
const stable = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""');

beforeAll(async () => {
  sink = await startMailSink();
  const lines = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  server = await startEmbedded({
    now: () => clock,
    logger: pino(lines),
    logLevel: 'info',
    smtpUrl: sink.url,
    registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
  });
  ({ networkId, groupId } = await networkWithGroup(admin(), NETWORK_NAME));
});

afterAll(async () => {
  await server?.close();
  await sink?.stop();
});

describe('the invitation e-mail', () => {
  it('has an HTML part saying what its text part says, escaped', async () => {
    const u = await invite('mail-html@example.com');
    const [mail] = await sink.waitFor('mail-html@example.com');
    expect(mail).toBeDefined();
    const { text, html } = mail!;
    expect(text).toContain(u.inviteCode);
    expect(html).toBeDefined();
    // Escaped: the network's markup is text, and the link's & is &amp; in the href.
    expect(html).not.toContain('<i>');
    expect(html).toContain(NETWORK_NAME_HTML);
    const link = linkOf(mail!);
    expect(html).toContain(`<a href="${link.replace(/&/g, '&amp;')}">`);
    // The same content: the HTML's text is the text part, word for word.
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    const htmlText = html!
      .replace(/<title>.*?<\/title>/s, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(words(htmlText)).toEqual(words(text!));
  });
});

describe('the invitation page', () => {
  it('shows a valid invitation with its network and username, and a labelled form', async () => {
    const u = await invite('valid@example.com');
    const [mail] = await sink.waitFor('valid@example.com');
    const p = await page(linkOf(mail!));
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toMatch(/^text\/html/);
    expect(p.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(p.headers.get('referrer-policy')).toBe('no-referrer');
    expect(p.html).toContain('Your invitation is valid.');
    expect(p.html).toContain(NETWORK_NAME_HTML);
    expect(p.html).not.toContain(NETWORK_NAME);
    expect(p.html).toContain(`(${networkId})`);
    expect(p.html).toContain('valid@example.com');
    expect(p.html).toMatch(/<label for="deviceName">Device name<\/label>/);
    expect(p.html).toMatch(/<label for="platform">Platform<\/label>/);
    expect(p.html).toMatch(/<button[^>]*>Register<\/button>/);
    expect(p.html).toMatch(/<button[^>]*>Decline<\/button>/);
    // Viewing a valid link counts nothing.
    expect(await failures(u.userId)).toBe(0);
  });

  it('still answers apps with JSON on the same link', async () => {
    const res = await fetch(pageUrl('x@example.com', 'ABC'));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['inviteCode']).toBe('ABC');
  });

  it('tells nothing for a wrong code or an unknown username, and counts the guess', async () => {
    const u = await invite('guessed@example.com');
    const wrong = await page(pageUrl('guessed@example.com', 'WRONG-CODE-1'));
    const unknown = await page(pageUrl('nobody-here@example.com', 'WRONG-CODE-1'));
    expect(wrong.status).toBe(400);
    expect(stable(wrong.html)).toBe(stable(unknown.html));
    expect(wrong.html).toContain('This invitation link is not valid');
    expect(wrong.html).not.toContain('guessed@example.com');
    expect(wrong.html).not.toContain(NETWORK_NAME_HTML);
    expect(wrong.html).not.toMatch(/>Register</);
    expect(await failures(u.userId)).toBe(1);
  });

  it('shows a locked invitation like a wrong code, even with the right code', async () => {
    const u = await invite('locked@example.com');
    for (let i = 0; i < 5; i++) await page(pageUrl('locked@example.com', `WRONG-${i}`));
    const locked = await page(pageUrl('locked@example.com', u.inviteCode));
    const unknown = await page(pageUrl('nobody-here@example.com', u.inviteCode));
    expect(locked.status).toBe(400);
    expect(stable(locked.html)).toBe(stable(unknown.html));
    expect(locked.html).toContain('locked after too many failed attempts');
  });

  it('registers from the form and says what happens next; the link then says "already used"', async () => {
    const u = await invite('form-register@example.com');
    const done = await submit({
      action: 'register',
      username: 'form-register@example.com',
      inviteCode: u.inviteCode,
      deviceName: 'Work <laptop>',
      platform: 'Linux x86_64',
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('You are registered');
    expect(done.html).toContain('What happens next');
    expect(done.html).toContain('Work &lt;laptop&gt;');
    expect((await user(u.userId)).status).toBe(2);
    const { devices = [] } = await admin().call('ListDevicesForUser', {
      networkId,
      userId: u.userId,
    });
    // Reported as the documented operating system name (docs/api.md, rule device-type).
    expect(devices.map((d) => d.type)).toEqual(['Linux']);

    const again = await page(pageUrl('form-register@example.com', u.inviteCode));
    expect(again.html).toContain('This invitation was already used');
    expect(again.html).toContain('form-register@example.com');
    const twice = await submit({
      action: 'register',
      username: 'form-register@example.com',
      inviteCode: u.inviteCode,
      deviceName: 'Second',
    });
    expect(twice.html).toContain('This invitation was already used');
  });

  it('asks for a device name instead of registering without one', async () => {
    const u = await invite('no-device@example.com');
    const r = await submit({
      action: 'register',
      username: 'no-device@example.com',
      inviteCode: u.inviteCode,
      deviceName: '  ',
    });
    expect(r.status).toBe(400);
    expect(r.html).toContain('Enter a name for this device.');
    expect((await user(u.userId)).status).toBe(1);
  });

  it('declines from the form', async () => {
    const u = await invite('form-decline@example.com', { inviteCode: 'TEAM-CODE-77' });
    const r = await submit({
      action: 'decline',
      username: 'form-decline@example.com',
      inviteCode: 'TEAM-CODE-77',
    });
    expect(r.status).toBe(200);
    expect(r.html).toContain('You declined the invitation');
    const counts = await admin().call('GetUsersCount', { networkId });
    expect(counts.rejected).toBeGreaterThanOrEqual(1);
    // A custom code is kept for a reinvite, so its holder still sees the declined state.
    const again = await page(pageUrl('form-decline@example.com', 'TEAM-CODE-77'));
    expect(again.html).toContain('You declined this invitation');
    expect((await user(u.userId)).status).toBe(1);
  });

  it('shows a suspended user their state', async () => {
    const u = await invite('suspended@example.com');
    await admin().call('BatchToggleUserSuspendStatus', {
      networkId,
      suspend: true,
      userIds: [u.userId],
    });
    const p = await page(pageUrl('suspended@example.com', u.inviteCode));
    expect(p.status).toBe(403);
    expect(p.html).toContain('Your account is suspended');
  });

  it('says when an invitation has expired', async () => {
    const u = await invite('expired@example.com', { inviteCodeTtl: 1 });
    clock += DAY + 60_000;
    const p = await page(pageUrl('expired@example.com', u.inviteCode));
    expect(p.status).toBe(410);
    expect(p.html).toContain('This invitation has expired');
    expect(p.html).toContain('expired@example.com');
    const r = await submit({
      action: 'register',
      username: 'expired@example.com',
      inviteCode: u.inviteCode,
      deviceName: 'Phone',
    });
    expect(r.html).toContain('This invitation has expired');
  });

  it('answers a malformed link with a page, never a 500', async () => {
    for (const q of ['username=a%00b&inviteCode=X', 'username=a', 'inviteCode=%E2%82']) {
      const p = await page(`${server.endpoint}/client/v1/networks/${networkId}/invitation?${q}`);
      expect(p.status).toBe(400);
      expect(p.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const bad = await page(`${server.endpoint}/client/v1/networks/abc/invitation?username=a`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('The network ID must be 8 digits.');
  });
});

describe('invitee request logs', () => {
  it('name each request, its network, status and refusal, and never carry a code', async () => {
    const u = await invite('logged@example.com');
    const post = (path: string, body: unknown) =>
      fetch(`${server.endpoint}/client/v1/networks/${networkId}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('register', {
      username: 'logged@example.com',
      inviteCode: 'WRONG-CODE-99',
      deviceName: 'd',
      platform: 'p',
    });
    await post('register', {
      username: 'logged@example.com',
      inviteCode: u.inviteCode,
      deviceName: 'd',
      platform: 'p',
    });
    await post('decline', { username: 'logged@example.com', inviteCode: 'WRONG-CODE-98' });
    await post('bots/login', { username: 'NoSuchBot', challenge: 'secret-challenge' });
    // A federated network's report is signed (at the server's time: its clock is the test's).
    await signedRequest(
      server,
      'POST',
      `/client/v1/networks/${networkId}/guest-activity`,
      JSON.stringify({ username: 'guest@fed.example' }),
      { now: clock },
    );
    await page(pageUrl('logged@example.com', u.inviteCode));

    // One line per request, as for every operation: its name, status, the refusal's reason
    // (never the code), network and client address.
    const find = (op: string, match: Record<string, unknown>) =>
      logLines.find(
        (l) =>
          l['op'] === op &&
          l['networkId'] === networkId &&
          Object.entries(match).every(([k, v]) => l[k] === v),
      );
    expect(
      find('Register', { status: 400, error: 'BadRequestError', detail: 'invalid' }),
    ).toMatchObject({
      msg: 'request',
      ip: '127.0.0.1',
    });
    expect(find('Register', { status: 200 })).toBeDefined();
    expect(find('Decline', { status: 400, detail: 'invalid' })).toBeDefined();
    expect(find('BotSignIn', { status: 400, error: 'BadRequestError' })).toBeDefined();
    expect(find('GuestActivity', { status: 200 })).toBeDefined();
    expect(find('ViewInvitation', { status: 200 })).toBeDefined();
    const all = JSON.stringify(logLines);
    expect(all).not.toContain(u.inviteCode);
    expect(all).not.toContain('WRONG-CODE-99');
    expect(all).not.toContain('secret-challenge');
  });
});
