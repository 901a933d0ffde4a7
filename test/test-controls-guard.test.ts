/**
 * What a web page must not do with the test controls (issue 22): send them a body a form can
 * send, reach them under a foreign host name (DNS rebinding: the page's name re-pointed at
 * 127.0.0.1), call them from another origin; and what no fixture may do: end the process.
 * Raw HTTP on loopback, so every header is exactly what a browser would send.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { MAX_FIXTURE_DEPTH, parseFixture } from '../src/fixtures/format.js';

interface Answer {
  status: number;
  type: string | undefined;
  body: Record<string, unknown>;
}

/** One request with exactly these headers (Host included), on a fresh connection. */
function send(
  server: EmbeddedServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<Answer> {
  const url = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { host: url.host, ...headers, 'content-length': Buffer.byteLength(body) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            type: res.headers['x-amzn-errortype'] as string | undefined,
            body:
              text && /json/.test(res.headers['content-type'] ?? '')
                ? (JSON.parse(text) as Record<string, unknown>)
                : { text },
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const fixture = { networks: [{ networkId: '31313131', networkName: 'guarded' }] };

describe('the test controls refuse what a web page can send', () => {
  let server: EmbeddedServer;
  const networks = async () => (await server.export()).networks.map((n) => n.networkId);

  beforeAll(async () => {
    server = await startEmbedded({ env: {}, fixture, allowedHosts: ['wickr.internal'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a form or text/plain body is refused and deletes nothing', async () => {
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await send(server, 'POST', '/_wickr/reset', { 'content-type': type }, '{}');
      expect(r.status, type).toBe(400);
      expect(r.type).toBe('BadRequestError');
      expect(r.body['message']).toMatch(/application\/json/);
    }
    const untyped = await send(server, 'POST', '/_wickr/reset', {}, '{}');
    expect(untyped.status).toBe(400);
    expect(await networks()).toEqual(['31313131']);
    // JSON is accepted, and a request without a body needs no type.
    const clock = await send(
      server,
      'POST',
      '/_wickr/clock',
      { 'content-type': 'application/json' },
      '{}',
    );
    expect(clock.status).toBe(200);
    expect((await send(server, 'DELETE', '/_wickr/clock', {})).status).toBe(200);
  });

  it('a foreign Host (DNS rebinding) reads no mail and resets nothing', async () => {
    for (const host of [
      'attacker.example',
      'attacker.example:9425',
      'localhost.attacker.example',
    ]) {
      const mail = await send(server, 'GET', '/_wickr/mail', { host });
      expect(mail.status, host).toBe(403);
      expect(mail.type).toBe('ForbiddenError');
      expect(mail.body['message']).toMatch(/WICKR_ALLOWED_HOSTS/);
      expect(mail.body).not.toHaveProperty('messages');
      const reset = await send(
        server,
        'POST',
        '/_wickr/reset',
        { host, 'content-type': 'application/json' },
        '{}',
      );
      expect(reset.status, host).toBe(403);
    }
    expect(await networks()).toEqual(['31313131']);
    // The server's own names, and those named in WICKR_ALLOWED_HOSTS, are answered.
    const port = new URL(server.endpoint).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'wickr.internal',
    ]) {
      expect((await send(server, 'GET', '/_wickr/mail', { host })).status, host).toBe(200);
    }
  });

  it('a page of another origin is refused, for reads too; the server’s own origin is not', async () => {
    const own = server.endpoint;
    for (const origin of ['http://attacker.example', 'null', 'http://127.0.0.1:1']) {
      const read = await send(server, 'GET', '/_wickr/mail', { origin });
      expect(read.status, origin).toBe(403);
      expect(read.type).toBe('ForbiddenError');
      const reset = await send(
        server,
        'POST',
        '/_wickr/reset',
        { origin, 'content-type': 'application/json' },
        '{}',
      );
      expect(reset.status, origin).toBe(403);
    }
    const navigated = await send(server, 'GET', '/_wickr/mail', { 'sec-fetch-site': 'cross-site' });
    expect(navigated.status).toBe(403);
    expect(await networks()).toEqual(['31313131']);
    const same = await send(server, 'GET', '/_wickr/mail', {
      origin: own,
      'sec-fetch-site': 'same-origin',
    });
    expect(same.status).toBe(200);
  });
});

describe('fixtures', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded({ env: {} });
  });
  afterAll(async () => {
    await server?.close();
  });

  const seed = (body: string, type = 'application/json') =>
    send(server, 'POST', '/_wickr/seed', { 'content-type': type }, body);
  const nested = (depth: number, open: string, close: string) =>
    `{"networks":[{"networkName":"deep","settings":{"a":${open.repeat(depth)}1${close.repeat(depth)}}}]}`;

  it('two fixtures nested 10,000 deep get a clear 400, and the server carries on', async () => {
    const answers = await Promise.all([
      seed(nested(10_000, '{"a":', '}')),
      seed(nested(10_000, '[', ']')),
      seed(`networks:\n${'- '.repeat(10_000)}1\n`, 'application/yaml'),
    ]);
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.type).toBe('BadRequestError');
      expect(a.body['message']).toMatch(`nests deeper than ${MAX_FIXTURE_DEPTH} levels`);
    }
    expect((await send(server, 'GET', '/_wickr/clock', {})).status).toBe(200);
  });

  it('a fixture just beyond the limit is refused before anything recursive reads it', async () => {
    // Deep enough to pass every parser, and once stored, to break the YAML export.
    const deep = await seed(nested(MAX_FIXTURE_DEPTH + 1, '{"a":', '}'));
    expect(deep.status).toBe(400);
    expect(deep.body['message']).toMatch(/nests deeper/);
    // Block YAML nests by indentation; an alias by what it stands for (here, itself).
    let block = 'networks:\n- networkName: deep\n  settings:\n';
    for (let i = 0; i < 40; i++) block += `${' '.repeat(4 + i)}a${i}:\n`;
    expect((await seed(block, 'application/yaml')).body['message']).toMatch(/nests deeper/);
    const alias = 'networks:\n- networkName: deep\n  settings: &s {loop: *s}\n';
    expect((await seed(alias, 'application/yaml')).body['message']).toMatch(/nests deeper/);
    expect((await server.export()).networks).toEqual([]);
    // What a fixture needs still loads.
    const ok = await seed(nested(8, '{"a":', '}'));
    expect(ok.status).toBe(200);
    const exported = await send(server, 'GET', '/_wickr/export?format=yaml', {});
    expect(exported.status).toBe(200);
  });

  it('fixtures up to 8 MiB load over HTTP; a larger one is refused with a clear 400', async () => {
    const sized = (name: string, bytes: number) =>
      JSON.stringify({ networks: [{ networkName: name, settings: { pad: 'x'.repeat(bytes) } }] });
    const two = await seed(sized('two-mib', 2 * 1024 * 1024));
    expect(two.status).toBe(200);
    const r = await seed(sized('nine-mib', 9 * 1024 * 1024));
    expect(r.status).toBe(400);
    expect(r.type).toBe('BadRequestError');
    // The same cap for a fixture file (wickr-admin seed, WICKR_SEED), named in the message.
    expect(() => parseFixture(sized('nine-mib', 9 * 1024 * 1024))).toThrow(/at most .* \(8 MiB\)/);
  });
});
