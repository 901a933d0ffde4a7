/**
 * The HTTP adapter answers every form of a request alike: the plainest (a JSON body of a
 * stated length), a content type with a charset, a chunked body, a trailing slash. (The
 * lookup was once answered by a route of its own for the plainest form; this test compared
 * the two.) Its router, compiled from the contract, puts literal segments before labels and
 * refuses a route registered twice.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allOperations } from '../src/contract/index.js';
import { Router } from '../src/protocol/router.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';
import { signedRequest, type RawAnswer } from './support/signed-request.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('one adapter for every form of a request', () => {
  let server: EmbeddedServer;
  let networkId: string;
  let unames: string[];

  beforeAll(async () => {
    server = await startEmbedded({});
    const admin = adminClient(server);
    networkId = (
      await admin.call('CreateNetwork', { networkName: 'direct', accessLevel: 'STANDARD' })
    ).networkId!;
    const groups = (await admin.call('ListSecurityGroups', { networkId })).securityGroups ?? [];
    await admin.call('BatchCreateUser', {
      networkId,
      users: [1, 2, 3].map((i) => ({
        username: `direct.${i}@example.com`,
        firstName: 'D',
        securityGroupIds: [groups[0]!.id],
      })),
    });
    const rows = await server.server.store.db
      .selectFrom('members')
      .select('uname')
      .where('network_id', '=', networkId)
      .where('kind', '=', 'user')
      .execute();
    unames = rows.map((r) => r.uname);
    expect(unames).toHaveLength(3);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** The same request in its plainest form and with a charset in its content type. */
  async function both(
    path: string,
    body: string,
    options: { sign?: boolean } = {},
  ): Promise<[RawAnswer, RawAnswer]> {
    const send = (contentType: string) =>
      signedRequest(server, 'POST', path, body, {
        ...options,
        headers: { 'content-type': contentType },
      });
    return [await send('application/json'), await send('application/json; charset=utf-8')];
  }

  function expectSame([direct, fastify]: [RawAnswer, RawAnswer]): void {
    expect(direct.status).toBe(fastify.status);
    expect(direct.body).toBe(fastify.body);
    const comparable = (a: RawAnswer) => {
      const { date: _date, 'x-amzn-requestid': id, ...rest } = a.headers;
      expect(id).toMatch(UUID);
      return rest;
    };
    expect(comparable(direct)).toEqual(comparable(fastify));
  }

  const lookupPath = () => `/networks/${networkId}/users/uname-lookup`;

  it('answers a lookup (cached or not, repeats, unknown unames) alike', async () => {
    const body = JSON.stringify({
      unames: [unames[0], unames[1]!.toUpperCase(), unames[0]!.toUpperCase(), 'f'.repeat(64)],
    });
    // The first pair fills the cache, the second answers from it.
    for (let i = 0; i < 2; i++) {
      const answers = await both(lookupPath(), body);
      expectSame(answers);
      expect(answers[0].status).toBe(200);
      const out = JSON.parse(answers[0].body) as {
        successful: { uname: string }[];
        failed: { uname: string; reason: string }[];
      };
      expect(out.successful.map((s) => s.uname)).toEqual([unames[0], unames[1]!.toUpperCase()]);
      expect(out.failed.map((f) => f.reason)).toEqual([
        expect.stringContaining('repeats unames[0]'),
        `No user or bot in network ${networkId} has this uname.`,
      ]);
    }
  });

  it('refuses alike: unsigned, unknown network, invalid input, a body that is not JSON', async () => {
    const valid = JSON.stringify({ unames: [unames[0]] });
    const cases: [string, string, { sign?: boolean }, number][] = [
      [lookupPath(), valid, { sign: false }, 401],
      ['/networks/99999999/users/uname-lookup', valid, {}, 404],
      [lookupPath(), JSON.stringify({ unames: 'not a list' }), {}, 422],
      [lookupPath(), JSON.stringify({ unames: [] }), {}, 422],
      [lookupPath(), '{"unames": [', {}, 400],
    ];
    for (const [path, body, options, status] of cases) {
      const answers = await both(path, body, options);
      expectSame(answers);
      expect(answers[0].status).toBe(status);
      expect(answers[0].headers['x-amzn-errortype']).toBeTruthy();
    }
  });

  it('reads a chunked body, ignores one trailing slash, and refuses a body over 1 MiB', async () => {
    const url = new URL(server.endpoint);
    const send = (path: string, chunks: string[], headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method: 'POST', path, headers },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        for (const c of chunks) req.write(c);
        req.end();
      });
    // Unsigned: the adapter read the whole chunked body before the pipeline refused it.
    const chunked = await send(lookupPath(), ['{"unames":', '["a"]}']);
    expect(chunked.status).toBe(401);
    const big = await send(lookupPath(), ['{"x":"', 'a'.repeat(1024 * 1024), '"}']);
    expect(big.status).toBe(400);
    expect((JSON.parse(big.body) as { message: string }).message).toMatch(/larger than/);
    const [plain] = await both(lookupPath(), JSON.stringify({ unames: [unames[0]] }));
    const [slash] = await both(`${lookupPath()}/`, JSON.stringify({ unames: [unames[0]] }));
    expect(slash.status).toBe(200);
    expect(slash.body).toBe(plain.body);
  });
});

describe('the router', () => {
  it('routes every operation the server runs, at its method and path, once', () => {
    const router = new Router<string>();
    for (const op of allOperations) {
      if (op.name === 'DescribeInvitationLink') continue; // shares ViewInvitation's route
      router.add(op.method, op.path, op.name);
    }
    for (const op of allOperations) {
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => `${name}-1`);
      const found = router.match(op.method, path);
      expect(found && found.value, `${op.method} ${op.path}`).toBe(
        op.name === 'DescribeInvitationLink' ? 'ViewInvitation' : op.name,
      );
    }
  });

  it('puts literal segments before labels, decodes labels, and refuses a route twice', () => {
    const router = new Router<string>();
    router.add('GET', '/networks/{networkId}/users/{userId}', 'GetUser');
    router.add('GET', '/networks/{networkId}/users/count', 'GetUsersCount');
    expect(router.match('GET', '/networks/1/users/count')).toEqual({
      value: 'GetUsersCount',
      params: { networkId: '1' },
    });
    expect(router.match('GET', '/networks/1/users/a%20b')).toEqual({
      value: 'GetUser',
      params: { networkId: '1', userId: 'a b' },
    });
    expect(router.match('GET', '/networks//users/1')).toBeUndefined();
    expect(router.match('POST', '/networks/1/users/1')).toBeUndefined();
    const bad = router.match('GET', '/networks/%ZZ/users/1');
    expect(bad && 'error' in bad && bad.error.message).toMatch(/percent-escape/);
    const long = router.match('GET', `/networks/${'a'.repeat(2049)}/users/1`);
    expect(long && 'error' in long && long.error.errorName).toBe('BadRequestError');
    expect(() => router.add('GET', '/networks/{networkId}/users/count', 'Again')).toThrow(
      /routed twice/,
    );
    expect(() => router.add('GET', '/networks/{id}', 'Other')).toThrow(/label/);
  });
});
