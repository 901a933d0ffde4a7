/**
 * The test controls against a hostile web page, in a real browser (Debian's Chromium through
 * playwright-core): a page of another origin posts a reset the ways a page may without asking
 * (a text/plain form, a no-cors fetch), and a page whose host name was re-pointed at the
 * server (DNS rebinding, simulated with Chromium's host resolver rules) reads the mail as its
 * own origin. The server must refuse all of it: every network stays, no invite code leaks.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../../src/index.js';
import { adminClient } from '../support/admin-call.js';
import { launchBrowser } from '../support/browser.js';

const REBOUND = 'rebound.attacker.test';

let server: EmbeddedServer;
let attacker: Server;
let attackerOrigin: string;
let browser: Browser;

/** The attacker's page: a form posted into a hidden frame, then a no-cors fetch. */
const page = (target: string) => `<!doctype html>
<title>cute cats</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="${target}/_wickr/reset" enctype="text/plain" target="sink">
  <input name='{"x":"' value='"}'>
</form>
<script>
  document.querySelector('iframe').addEventListener('load', () => {
    fetch('${target}/_wickr/reset', { method: 'POST', mode: 'no-cors', body: '{}' })
      .then(() => fetch('${target}/_wickr/reset', { method: 'POST', mode: 'no-cors' }))
      .finally(() => { document.title = 'done'; });
  }, { once: true });
  document.getElementById('f').submit();
</script>`;

beforeAll(async () => {
  server = await startEmbedded({
    env: {},
    fixture: {
      networks: [
        {
          networkId: '52525252',
          networkName: 'precious',
          securityGroups: [{ id: 'grp1', name: 'Everyone', isDefault: true }],
        },
      ],
    },
  });
  // An invitation in the outbox, whose code the rebinding page is after.
  const invited = await adminClient(server).call('BatchCreateUser', {
    networkId: '52525252',
    users: [{ username: 'invitee@example.com', securityGroupIds: ['grp1'] }],
  });
  expect(invited.successful).toHaveLength(1);
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(page(server.endpoint));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  // Another site than the server's 127.0.0.1: the browser treats it as cross-site.
  attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  browser = await launchBrowser([
    `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
    // The rebound name must not be sent to a proxy the machine may have.
    '--no-proxy-server',
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await server?.close();
});

describe('the test controls in a browser', () => {
  it('a page of another origin cannot reset the server', async () => {
    const tab = await browser.newPage();
    const answers: number[] = [];
    tab.on('response', (r) => {
      if (r.url().endsWith('/_wickr/reset')) answers.push(r.status());
    });
    await tab.goto(`${attackerOrigin}/`);
    await tab.waitForFunction("document.title === 'done'", undefined, { timeout: 20_000 });
    // All three reached the server, and each was refused.
    expect(answers).toHaveLength(3);
    for (const status of answers) expect([400, 403]).toContain(status);
    expect((await server.export()).networks.map((n) => n.networkId)).toEqual(['52525252']);
    await tab.close();
  });

  it('a page on a name re-pointed at the server (DNS rebinding) reads no invite codes', async () => {
    const {
      messages: [mail],
    } = await server.mail({ recipient: 'invitee@example.com' });
    const code = mail!.inviteCode!;
    expect(code).toMatch(/^[A-Z0-9]{6,}$/);
    const port = new URL(server.endpoint).port;
    const tab = await browser.newPage();
    // Any page of the server, under the attacker's name: its scripts are then same-origin.
    await tab.goto(`http://${REBOUND}:${port}/console/`);
    const read = await tab.evaluate(async () => {
      const r = await fetch('/_wickr/mail');
      return { status: r.status, text: await r.text() };
    });
    expect(read.status).toBe(403);
    expect(read.text).not.toContain(code);
    const reset = await tab.evaluate(async () => {
      const r = await fetch('/_wickr/reset', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return r.status;
    });
    expect(reset).toBe(403);
    expect((await server.export()).networks.map((n) => n.networkId)).toEqual(['52525252']);
    await tab.close();
  });
});
