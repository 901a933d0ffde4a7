/**
 * One front door: a request through each entry (a signed API call, the console's API by
 * operation name and by its own paths, the invitee endpoints and their page, the signed audit
 * read, the console's outbox read) runs the same pipeline, so each leaves exactly one metric
 * sample and one log line, the audit record where one is due, and the same client address in
 * each. The server sits behind a trusted proxy (loopback), and every request names a client of
 * its own in X-Forwarded-For.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Signer, signRequest } from '../src/client/signer.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { parsePrometheus } from './support/prometheus.js';

const NET = '61616161';
const UA = 'front-door-test/1.0';

const fixture = {
  networks: [
    {
      networkId: NET,
      networkName: 'front door',
      securityGroups: [{ id: 'grp1', name: 'Everyone', isDefault: true }],
      users: [
        { username: 'invitee@example.com', inviteCode: 'FRONT-DOOR-1' },
        { username: 'viewer@example.com', inviteCode: 'FRONT-DOOR-2' },
      ],
    },
  ],
};

interface Sent {
  status: number;
  requestId: string;
}

interface Entry {
  name: string;
  operation: string;
  /** Whether the request leaves an audit record. */
  audited: boolean;
  send(client: string): Promise<Sent>;
}

let server: EmbeddedServer;
const lines: Record<string, unknown>[] = [];
let session: { cookie: string; csrf: string };

async function fetchFrom(client: string, path: string, init: RequestInit = {}): Promise<Sent> {
  const res = await fetch(server.endpoint + path, {
    ...init,
    headers: { 'user-agent': UA, 'x-forwarded-for': client, ...(init.headers ?? {}) },
  });
  await res.arrayBuffer();
  return { status: res.status, requestId: res.headers.get('x-amzn-requestid') ?? '' };
}

function signedFrom(client: string, method: string, path: string, body = ''): Promise<Sent> {
  const headers = signRequest({
    method,
    url: path,
    host: new URL(server.endpoint).host,
    headers: body ? { 'content-type': 'application/json' } : {},
    body,
    credentials: server.credentials,
    region: 'us-east-1',
  });
  delete headers['host'];
  return fetchFrom(client, path, { method, headers, ...(body ? { body } : {}) });
}

const consoleFrom = (client: string, method: string, path: string, body?: unknown) =>
  fetchFrom(client, path, {
    method,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

const LOOKUP_EVENTS = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

const ENTRIES: Entry[] = [
  {
    name: 'a signed API call (restJson1)',
    operation: 'CreateSecurityGroup',
    audited: true,
    send: (c) =>
      signedFrom(
        c,
        'POST',
        `/networks/${NET}/security-groups`,
        JSON.stringify({ name: 'signed', securityGroupSettings: {} }),
      ),
  },
  {
    name: 'a signed read',
    operation: 'ListSecurityGroups',
    audited: false,
    send: (c) => signedFrom(c, 'GET', `/networks/${NET}/security-groups`),
  },
  {
    name: 'an unsigned call, refused',
    operation: 'ListNetworks',
    audited: true,
    send: (c) => fetchFrom(c, '/networks'),
  },
  {
    name: 'the console, by operation name',
    operation: 'CreateSecurityGroup',
    audited: true,
    send: (c) =>
      consoleFrom(c, 'POST', '/console/api/operations/CreateSecurityGroup', {
        networkId: NET,
        name: 'console',
        securityGroupSettings: {},
      }),
  },
  {
    name: "the console's sign-in",
    operation: 'SignIn',
    audited: true,
    send: (c) =>
      fetchFrom(c, '/console/api/session', {
        method: 'POST',
        body: JSON.stringify({
          accessKeyId: server.credentials.accessKeyId,
          secretAccessKey: server.credentials.secretAccessKey,
        }),
      }),
  },
  {
    name: "the console's outbox read",
    operation: 'ListOutboxMessages',
    audited: false,
    send: (c) => consoleFrom(c, 'GET', `/console/api/networks/${NET}/outbox?maxResults=5`),
  },
  {
    name: 'the signed audit read',
    operation: 'LookupAuditRecords',
    audited: false,
    send: (c) => signedFrom(c, 'GET', '/_audit/records?limit=1'),
  },
  {
    name: "CloudTrail's LookupEvents (JSON 1.1)",
    operation: 'LookupEvents',
    audited: false,
    send: (c) => {
      const body = JSON.stringify({ MaxResults: 1 });
      const headers = new Signer(server.credentials, 'us-east-1', 'cloudtrail').sign({
        method: 'POST',
        url: '/',
        host: new URL(server.endpoint).host,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': LOOKUP_EVENTS },
        body,
      });
      delete headers['host'];
      return fetchFrom(c, '/', { method: 'POST', headers, body });
    },
  },
  {
    name: "CloudTrail's LookupEvents signed for another service (refused)",
    operation: 'LookupEvents',
    audited: true,
    send: (c) => {
      const body = '{}';
      const headers = signRequest({
        method: 'POST',
        url: '/',
        host: new URL(server.endpoint).host,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': LOOKUP_EVENTS },
        body,
        credentials: server.credentials,
        region: 'us-east-1',
      });
      delete headers['host'];
      return fetchFrom(c, '/', { method: 'POST', headers, body });
    },
  },
  {
    name: 'an invitee endpoint',
    operation: 'Register',
    audited: true,
    send: (c) =>
      fetchFrom(c, `/client/v1/networks/${NET}/register`, {
        method: 'POST',
        body: JSON.stringify({
          username: 'invitee@example.com',
          inviteCode: 'FRONT-DOOR-1',
          deviceName: 'phone',
          platform: 'iOS',
        }),
      }),
  },
  {
    name: 'the invitation page, a wrong code (refused)',
    operation: 'ViewInvitation',
    audited: true,
    send: (c) =>
      fetchFrom(
        c,
        `/client/v1/networks/${NET}/invitation?username=viewer%40example.com&inviteCode=WRONG`,
        { headers: { accept: 'text/html' } },
      ),
  },
];

beforeAll(async () => {
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  server = await startEmbedded({
    env: {},
    fixture,
    logger: pino({ level: 'info' }, out),
    trustedProxies: '127.0.0.1',
    registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
  });
  const res = await fetch(`${server.endpoint}/console/api/session`, {
    method: 'POST',
    body: JSON.stringify({
      accessKeyId: server.credentials.accessKeyId,
      secretAccessKey: server.credentials.secretAccessKey,
    }),
  });
  session = {
    cookie: res.headers.get('set-cookie')!.split(';')[0]!,
    csrf: ((await res.json()) as { csrfToken: string }).csrfToken,
  };
});

afterAll(async () => {
  await server?.close();
});

const requests = async (operation: string) =>
  parsePrometheus(await server.metrics()).value('wickr_requests_total', { operation });

describe('every entry runs the one pipeline', () => {
  it.each(ENTRIES.map((e, i) => [e.name, e, `203.0.113.${10 + i}`] as const))(
    '%s: one metric sample, one log line, its audit record, one client address',
    async (_name, entry, client) => {
      const before = await requests(entry.operation);
      const sent = await entry.send(client);
      expect(sent.requestId).toMatch(/^[0-9a-f-]{36}$/);

      expect(await requests(entry.operation)).toBe(before + 1);
      const logged = lines.filter((l) => l['reqId'] === sent.requestId);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        msg: 'request',
        op: entry.operation,
        status: sent.status,
        ip: client,
      });
      const records = (await server.audit({})).records.filter(
        (r) => r.requestId === sent.requestId,
      );
      expect(records).toHaveLength(entry.audited ? 1 : 0);
      if (entry.audited) {
        expect(records[0]).toMatchObject({
          operation: entry.operation,
          status: sent.status,
          sourceIp: client,
          userAgent: UA,
        });
      }
    },
  );
});
