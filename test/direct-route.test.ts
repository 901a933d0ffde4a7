/**
 * BatchLookupUserUname is answered straight from node:http when a request has the plainest
 * form (protocol/http.ts, DIRECT_OPERATIONS), and by Fastify otherwise. Both must give the
 * same answers: the same request is sent both ways (a content type with a charset parameter
 * takes the Fastify route) and the status, headers and bodies are compared, for successes and
 * for each kind of refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';
import { signedRequest, type RawAnswer } from './support/signed-request.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the direct route of BatchLookupUserUname', () => {
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

  /** The same request by both routes: [direct, Fastify]. */
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

  it('answers a lookup (cached or not, repeats, unknown unames) as Fastify does', async () => {
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
});
