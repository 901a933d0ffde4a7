/**
 * Each helper of an embedded server answers what its HTTP control answers on the same state
 * (same JSON shape and values), and fails where the control fails with the same error: one
 * shape per helper, whichever door a test uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';

let server: EmbeddedServer;

/** A /_wickr/ control over HTTP: its status and JSON answer. */
async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.endpoint}/_wickr/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** A helper's answer, or its error as the control's status and error name. */
async function helper(p: Promise<unknown>) {
  try {
    return { status: 200, body: await p };
  } catch (e) {
    const { status, errorName } = e as { status?: number; errorName?: string };
    return { status, errorName };
  }
}

beforeAll(async () => {
  // A time source that stands still: both doors read the same instant and the same offset.
  const started = Date.now();
  server = await startEmbedded({
    env: {},
    now: () => started,
    fixture: {
      networks: [
        {
          networkId: '51515151',
          networkName: 'shapes',
          securityGroups: [{ id: 'grp1', name: 'Everyone', isDefault: true }],
        },
      ],
    },
  });
  await adminClient(server).call('BatchCreateUser', {
    networkId: '51515151',
    users: [{ username: 'ada@example.com', securityGroupIds: ['grp1'] }],
  });
});
afterAll(async () => {
  await server?.close();
});

describe('embedded helpers answer as their HTTP controls', () => {
  it('mail, audit and export', async () => {
    const filter = { recipient: 'ada@example.com' };
    const http = await control('GET', 'mail?recipient=ada%40example.com');
    expect(http.body).toMatchObject({ messages: [{ recipient: 'ada@example.com' }] });
    expect(await helper(server.mail(filter))).toEqual(http);

    expect(await helper(server.audit({ operation: 'BatchCreateUser' }))).toEqual(
      await control('GET', 'audit?operation=BatchCreateUser'),
    );
    expect(await helper(server.export())).toEqual(await control('GET', 'export'));
  });

  it('the clock: state, set, advance, freeze, signatures, reset', async () => {
    expect(await helper(server.clock.state())).toEqual(await control('GET', 'clock'));
    const moves: [() => Promise<unknown>, unknown][] = [
      [() => server.clock.advance('2h'), { advance: '2h' }],
      [() => server.clock.advance(1000), { advance: 1000 }],
      [() => server.clock.set('2031-01-01T00:00:00Z'), { set: '2031-01-01T00:00:00Z' }],
      [() => server.clock.signatures(true), { signatures: true }],
      [() => server.clock.freeze(true), { freeze: true }],
    ];
    for (const [move, body] of moves) {
      // Each door answers the state after its move, as the other door then reads it.
      expect(await helper(move())).toEqual(await control('GET', 'clock'));
      expect(await control('POST', 'clock', body)).toEqual(await helper(server.clock.state()));
    }
    expect(await helper(server.clock.advance('soon'))).toEqual({
      status: (await control('POST', 'clock', { advance: 'soon' })).status,
      errorName: 'BadRequestError',
    });
    expect(await helper(server.clock.reset())).toMatchObject({
      status: 200,
      body: { offsetMs: 0, frozen: false, signatures: false },
    });
    const reset = await control('DELETE', 'clock');
    expect(reset).toMatchObject({ status: 200, body: { offsetMs: 0, frozen: false } });
  });

  it('faults: add, list, remove one, remove an unknown one, remove all', async () => {
    const rule = { operation: 'ListUsers', error: 'RateLimitError', times: 1 } as const;
    const byHelper = await helper(server.faults.add(rule));
    const byHttp = await control('POST', 'faults', rule);
    expect({ ...(byHelper.body as object), id: 'x' }).toEqual({
      ...(byHttp.body as object),
      id: 'x',
    });
    expect(await helper(server.faults.list())).toEqual(await control('GET', 'faults'));

    const helperId = (byHelper.body as { id: string }).id;
    const httpId = (byHttp.body as { id: string }).id;
    const afterHelper = await helper(server.faults.remove(helperId));
    expect(afterHelper).toMatchObject({ status: 200, body: { rules: [{ id: httpId }] } });
    await server.faults.add(rule);
    const left = (await helper(server.faults.list())).body as { rules: { id: string }[] };
    expect(await control('DELETE', `faults/${httpId}`)).toEqual({
      status: 200,
      body: { rules: left.rules.filter((r) => r.id !== httpId) },
    });

    const missing = await control('DELETE', 'faults/999');
    expect(await helper(server.faults.remove('999'))).toEqual({
      status: missing.status,
      errorName: 'ResourceNotFoundError',
    });
    expect(await helper(server.faults.add({ operation: 'NoSuchOperation', drop: true }))).toEqual({
      status: (await control('POST', 'faults', { operation: 'NoSuchOperation', drop: true }))
        .status,
      errorName: 'BadRequestError',
    });
    expect(await helper(server.faults.remove())).toEqual(await control('DELETE', 'faults'));
  });

  it('seed refusals, clearing the mail and resets', async () => {
    const taken = { networks: [{ networkId: '51515151', networkName: 'again' }] };
    expect(await helper(server.seed(taken))).toEqual({
      status: (await control('POST', 'seed', taken)).status,
      errorName: 'BadRequestError',
    });
    const cleared = await helper(server.clearMail({ recipient: 'ada@example.com' }));
    expect(cleared).toEqual({ status: 200, body: { deleted: 1 } });
    expect(await control('DELETE', 'mail?recipient=ada%40example.com')).toEqual({
      status: 200,
      body: { deleted: 0 },
    });
    expect(await helper(server.reset({ networkId: '1' }))).toEqual({
      status: (await control('POST', 'reset', { networkId: '1' })).status,
      errorName: 'BadRequestError',
    });
    expect(await helper(server.reset({ networkId: '51515151' }))).toEqual({
      status: 200,
      body: { networks: 1 },
    });
    expect(await control('POST', 'reset', { networkId: '51515151' })).toEqual({
      status: 200,
      body: { networks: 0 },
    });
  });

  it('metrics: the text of GET /metrics', async () => {
    const text = await server.metrics();
    const http = await (await fetch(`${server.endpoint}/metrics`)).text();
    expect(text).toMatch(/^# HELP /m);
    expect(text.split('\n').filter((l) => l.startsWith('# HELP'))).toEqual(
      http.split('\n').filter((l) => l.startsWith('# HELP')),
    );
  });
});
