/**
 * SCIM 2.0 (docs/scim.md) over real HTTP against an embedded server: the protocol's details
 * (filters, paging, attributes, the PatchOp forms Okta and Entra ID send, error bodies), token
 * scope and revocation, and that each change is the Admin API's (checked with the signed
 * client, the outbox and the audit trail). The identity providers' whole sequences, checked
 * through boto3 on both engines, are in test/conformance/test_scim.py.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEmbedded, type AdminClient, type EmbeddedServer } from '../src/index.js';
import { createScimToken, revokeScimToken } from '../src/domain/owners/scim-tokens.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { runCli } from './support/cli-run.js';
import { signedRequest } from './support/signed-request.js';

// The CLI's test runs the built command a few times (a Node start-up each).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let server: EmbeddedServer;
let client: AdminClient;
let networkId: string;
let defaultGroup: string;
let token: string;

beforeAll(async () => {
  server = await startEmbedded();
  client = adminClient(server);
});
afterAll(() => server.close());

beforeEach(async () => {
  await server.reset();
  ({ networkId, groupId: defaultGroup } = await networkWithGroup(client, 'scim'));
  token = (await createScimToken(server.server.store.db, networkId, Date.now())).token;
});

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function scim(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string; network?: string; raw?: string } = {},
): Promise<Reply> {
  const res = await fetch(
    `${server.endpoint}/scim/v2/networks/${options.network ?? networkId}${path}`,
    {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? token}`,
        'content-type': 'application/scim+json',
      },
      ...(options.raw !== undefined
        ? { body: options.raw }
        : body !== undefined
          ? { body: JSON.stringify(body) }
          : {}),
    },
  );
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

const newUser = (userName: string, more: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  active: true,
  ...more,
});

async function create(userName: string, more: Record<string, unknown> = {}) {
  const r = await scim('POST', '/Users', newUser(userName, more));
  expect(r.status).toBe(201);
  return r.body['id'] as string;
}

const patch = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });

describe('SCIM users', () => {
  it('provisions a user as BatchCreateUser does: pending, in the default group, invited', async () => {
    const r = await scim('POST', '/Users', newUser('ada@example.com', { externalId: 'okta-1' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    const id = r.body['id'] as string;
    expect(r.headers.get('location')).toBe(
      `${server.endpoint}/scim/v2/networks/${networkId}/Users/${id}`,
    );
    expect(r.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect(r.body).toMatchObject({
      userName: 'ada@example.com',
      externalId: 'okta-1',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      active: true,
      emails: [{ value: 'ada@example.com', primary: true }],
      groups: [{ value: defaultGroup }],
      meta: { resourceType: 'User', version: r.headers.get('etag') },
    });
    const user = await client.call('GetUser', { networkId, userId: id });
    expect(user).toMatchObject({
      username: 'ada@example.com',
      firstName: 'Ada',
      status: 1,
      securityGroupIds: [defaultGroup],
    });
    const { users } = await client.call('ListUsers', { networkId });
    expect(users![0]!.scimId).toBe('okta-1');
    const mail = await server.mail({ networkId });
    expect(mail.messages.map((m) => m.recipient)).toEqual(['ada@example.com']);
    const { records } = await server.audit({ networkId });
    expect(records[0]).toMatchObject({
      source: 'scim',
      operation: 'ScimCreateUser',
      outcome: 'success',
    });
  });

  it('answers a username taken in the network with 409 uniqueness, and creates nothing', async () => {
    await create('ada@example.com');
    const r = await scim('POST', '/Users', newUser('ADA@example.com'));
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      schemas: [ERROR],
      status: '409',
      scimType: 'uniqueness',
      detail: expect.stringContaining('ADA@example.com') as unknown,
    });
    const { users } = await client.call('ListUsers', { networkId });
    expect(users).toHaveLength(1);
  });

  it('names the attribute of an invalid value (400 invalidValue)', async () => {
    const cases: [unknown, string][] = [
      [{ schemas: [USER] }, 'userName'],
      [newUser(' padded '), 'userName'],
      [newUser('a@x', { active: 'maybe' }), 'active'],
      [newUser('a@x', { name: { givenName: 7 } }), 'name.givenName'],
      [newUser('a@x', { externalId: ['x'] }), 'externalId'],
    ];
    for (const [body, attribute] of cases) {
      const r = await scim('POST', '/Users', body);
      expect(r.status, attribute).toBe(400);
      expect(r.body['scimType']).toBe('invalidValue');
      expect(r.body['detail']).toMatch(new RegExp(`^${attribute.replace('.', '\\.')}:`));
    }
    const bad = await scim('POST', '/Users', undefined, { raw: '{"userName":' });
    expect(bad.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    expect((await client.call('ListUsers', { networkId })).users).toEqual([]);
  });

  it('filters by userName (any case), externalId, id, with and/or; refuses the rest', async () => {
    const a = await create('ada@example.com', { externalId: 'e-1' });
    await create('bob@example.com', { externalId: 'e-2' });
    const ids = async (filter: string) => {
      const r = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(r.status, filter).toBe(200);
      return (r.body['Resources'] as { userName: string }[]).map((u) => u.userName);
    };
    expect(await ids('userName eq "ADA@example.com"')).toEqual(['ada@example.com']);
    expect(await ids('externalId eq "e-2"')).toEqual(['bob@example.com']);
    expect(await ids(`id eq "${a}"`)).toEqual(['ada@example.com']);
    expect(await ids('userName eq "ada@example.com" and externalId eq "e-2"')).toEqual([]);
    expect(await ids('userName eq "ada@example.com" or externalId eq "e-2"')).toHaveLength(2);
    expect(await ids('userName eq "nobody"')).toEqual([]);
    for (const filter of ['userName co "ada"', 'title eq "x"', 'userName eq']) {
      const r = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(r.status, filter).toBe(400);
      expect(r.body['scimType']).toBe('invalidFilter');
    }
  });

  it('pages with startIndex and count, and totalResults counts every match', async () => {
    for (const n of ['a', 'b', 'c']) await create(`${n}@example.com`);
    const page = await scim('GET', '/Users?startIndex=1&count=2');
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 });
    const rest = await scim('GET', '/Users?startIndex=3&count=2');
    expect(rest.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
    expect((rest.body['Resources'] as { userName: string }[])[0]!.userName).toBe('c@example.com');
    const none = await scim('GET', '/Users?count=0');
    expect(none.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    const wrong = await scim('GET', '/Users?count=lots');
    expect(wrong.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(wrong.body['detail']).toMatch(/count/);
  });

  it('projects with attributes and excludedAttributes', async () => {
    const id = await create('ada@example.com');
    const only = await scim('GET', `/Users/${id}?attributes=userName,name.givenName`);
    expect(only.body).toEqual({
      schemas: [USER],
      id,
      userName: 'ada@example.com',
      name: { givenName: 'Ada' },
    });
    const except = await scim(
      'GET',
      `/Users/${id}?excludedAttributes=groups,emails,name,displayName`,
    );
    expect(Object.keys(except.body).sort()).toEqual(
      ['active', 'id', 'meta', 'schemas', 'userName'].sort(),
    );
  });

  it('applies the PatchOp forms Okta and Entra ID send', async () => {
    const id = await create('ada@example.com');
    // Entra ID: "Replace" capitalised, a path-less map with dotted names, active as "False".
    let r = await scim(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', value: { 'name.givenName': 'Augusta', 'name.familyName': 'King' } },
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'externalId', value: 'entra-9' },
      ),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      active: false,
      externalId: 'entra-9',
      name: { givenName: 'Augusta', familyName: 'King' },
    });
    expect(await client.call('GetUser', { networkId, userId: id })).toMatchObject({
      firstName: 'Augusta',
      lastName: 'King',
      suspended: true,
    });
    // Suspending withdrew the invitation, as BatchToggleUserSuspendStatus does.
    expect((await server.mail({ networkId })).messages[0]!.status).toBe('withdrawn');
    // Attributes not stored are accepted and ignored, whatever the user lacks.
    const plain = await create('carol');
    r = await scim(
      'PATCH',
      `/Users/${plain}`,
      patch(
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'carol@example.com' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'R&D' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'Remove', path: 'addresses[type eq "work"]' },
        { op: 'Replace', path: `${USER}:name.givenName`, value: 'Carol' },
      ),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ emails: [], name: { givenName: 'Carol' } });
    // Okta: lower case, a path-less map with a boolean.
    r = await scim('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: true } }));
    expect(r.body['active']).toBe(true);
    expect((await client.call('GetUser', { networkId, userId: id })).suspended).toBe(false);
    // A username change, and a taken one.
    await create('bob@example.com');
    r = await scim(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'replace', path: 'userName', value: 'Bob@example.com' }),
    );
    expect(r.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    r = await scim('PATCH', `/Users/${id}`, patch({ op: 'frob', path: 'active', value: true }));
    expect(r.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(r.body['detail']).toMatch(/Operations\[0\]\.op/);
  });

  it('is atomic: a request refused half-way changes nothing', async () => {
    const id = await create('ada@example.com');
    await create('bob@example.com');
    // The names are changed before the username is found taken: both roll back.
    const r = await scim(
      'PUT',
      `/Users/${id}`,
      newUser('bob@example.com', { name: { givenName: 'X' } }),
    );
    expect(r.status).toBe(409);
    expect(await client.call('GetUser', { networkId, userId: id })).toMatchObject({
      username: 'ada@example.com',
      firstName: 'Ada',
    });
  });

  it('replaces with PUT (a name left out is cleared) and deletes as BatchDeleteUser does', async () => {
    const id = await create('ada@example.com');
    const r = await scim('PUT', `/Users/${id}`, {
      schemas: [USER],
      userName: 'ada.l@example.com',
      name: { familyName: 'Lovelace' },
      active: true,
    });
    expect(r.status).toBe(200);
    const user = await client.call('GetUser', { networkId, userId: id });
    expect(user.username).toBe('ada.l@example.com');
    expect(user.firstName).toBeUndefined();
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await client.call('ListUsers', { networkId })).users).toEqual([]);
    const gone = await scim('GET', `/Users/${id}`);
    expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(404);
  });
});

describe('SCIM groups', () => {
  it('maps Groups to security groups, members through UpdateUser', async () => {
    const ada = await create('ada@example.com');
    const bob = await create('bob@example.com');
    const made = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      members: [{ value: ada }],
    });
    expect(made.status).toBe(201);
    const gid = made.body['id'] as string;
    expect(
      (await client.call('GetSecurityGroup', { networkId, groupId: gid })).securityGroup.name,
    ).toBe('Engineering');
    expect(
      (await client.call('GetUser', { networkId, userId: ada })).securityGroupIds!.sort(),
    ).toEqual([defaultGroup, gid].sort());
    // Okta adds, Entra removes with a member filter.
    let r = await scim(
      'PATCH',
      `/Groups/${gid}`,
      patch({ op: 'add', path: 'members', value: [{ value: bob }] }),
    );
    expect(r.status).toBe(200);
    r = await scim(
      'PATCH',
      `/Groups/${gid}`,
      patch({ op: 'Remove', path: `members[value eq "${ada}"]` }),
    );
    expect((r.body['members'] as { value: string }[]).map((m) => m.value)).toEqual([bob]);
    expect((await client.call('GetUser', { networkId, userId: ada })).securityGroupIds).toEqual([
      defaultGroup,
    ]);
    const found = await scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "engineering"')}&excludedAttributes=members`,
    );
    expect(found.body['totalResults']).toBe(1);
    expect((found.body['Resources'] as Record<string, unknown>[])[0]!['members']).toBeUndefined();
    r = await scim(
      'PATCH',
      `/Groups/${gid}`,
      patch({ op: 'replace', value: { id: gid, displayName: 'Eng' } }),
    );
    expect(r.body['displayName']).toBe('Eng');
    expect((await scim('DELETE', `/Groups/${gid}`)).status).toBe(204);
    expect((await client.call('GetUser', { networkId, userId: bob })).securityGroupIds).toEqual([
      defaultGroup,
    ]);
  });

  it('leaves a user removed from their last group in the default group', async () => {
    const ada = await create('ada@example.com');
    const made = await scim('POST', '/Groups', { displayName: 'Only', members: [{ value: ada }] });
    const gid = made.body['id'] as string;
    // Out of the default group: Engineering is then the user's only group.
    await scim(
      'PATCH',
      `/Groups/${defaultGroup}`,
      patch({ op: 'remove', path: `members[value eq "${ada}"]` }),
    );
    expect((await client.call('GetUser', { networkId, userId: ada })).securityGroupIds).toEqual([
      gid,
    ]);
    await scim(
      'PATCH',
      `/Groups/${gid}`,
      patch({ op: 'remove', path: 'members', value: [{ value: ada }] }),
    );
    expect((await client.call('GetUser', { networkId, userId: ada })).securityGroupIds).toEqual([
      defaultGroup,
    ]);
    const r = await scim('DELETE', `/Groups/${defaultGroup}`);
    expect(r.body).toMatchObject({ status: '400', scimType: 'mutability' });
  });
});

describe('SCIM tokens and discovery', () => {
  it('refuses a missing, unknown or revoked token (401), and another network (403)', async () => {
    const none = await fetch(`${server.endpoint}/scim/v2/networks/${networkId}/Users`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as Record<string, unknown>)['schemas']).toEqual([ERROR]);
    expect((await scim('GET', '/Users', undefined, { token: 'wickr-scim-nope' })).status).toBe(401);
    const other = await networkWithGroup(client, 'other');
    const r = await scim('GET', '/Users', undefined, { network: other.networkId });
    expect(r.status).toBe(403);
    const made = await createScimToken(server.server.store.db, networkId, Date.now());
    expect((await scim('GET', '/Users', undefined, { token: made.token })).status).toBe(200);
    await revokeScimToken(server.server.store.db, made.tokenId, Date.now());
    expect((await scim('GET', '/Users', undefined, { token: made.token })).status).toBe(401);
    const { records } = await server.audit({ networkId: other.networkId });
    expect(records[0]).toMatchObject({ source: 'scim', status: 403 });
  });

  it('serves ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: false },
    });
    const types = await scim('GET', '/ResourceTypes');
    expect((types.body['Resources'] as { id: string }[]).map((t) => t.id)).toEqual([
      'User',
      'Group',
    ]);
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body['totalResults']).toBe(2);
  });
});

describe('SCIM tokens as operations (signed, and the console)', () => {
  it('creates (the token answered once), lists and revokes a token of a network of the account', async () => {
    const base = `/_scim/networks/${networkId}/tokens`;
    const made = await signedRequest(server, 'POST', base, JSON.stringify({ label: 'entra' }));
    expect(made.status).toBe(200);
    const created = JSON.parse(made.body) as { tokenId: string; token: string; baseUrl: string };
    expect(created.baseUrl).toBe(`${server.endpoint}/scim/v2/networks/${networkId}`);
    expect((await scim('GET', '/Users', undefined, { token: created.token })).status).toBe(200);
    const listed = await signedRequest(server, 'GET', base);
    expect(listed.body).not.toContain(created.token);
    const tokens = (JSON.parse(listed.body) as { tokens: { tokenId: string; label?: string }[] })
      .tokens;
    expect(tokens.find((t) => t.tokenId === created.tokenId)).toMatchObject({ label: 'entra' });
    const revoked = await signedRequest(server, 'DELETE', `${base}/${created.tokenId}`);
    expect(revoked.status).toBe(200);
    expect((await scim('GET', '/Users', undefined, { token: created.token })).status).toBe(401);
    expect((await signedRequest(server, 'DELETE', `${base}/${created.tokenId}`)).status).toBe(404);
    // The token is masked in the audit record of its creation's log; the record names the label.
    const { records } = await server.audit({ networkId });
    expect(records.map((r) => r.operation)).toContain('CreateScimToken');
    expect(JSON.stringify(records)).not.toContain(created.token);
    // Another account's network is not found (tenancy).
    expect((await signedRequest(server, 'GET', '/_scim/networks/99999999/tokens')).status).toBe(
      404,
    );
  });
});

describe('wickr-admin scim token (the built CLI)', () => {
  it('creates a token shown once, lists tokens without it, revokes it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wickr-scim-'));
    const database = `sqlite:${path.join(dir, 'wickr.db')}`;
    const own = await startEmbedded({ databaseUrl: database });
    try {
      const { networkId: net } = await networkWithGroup(adminClient(own), 'cli');
      const env = { PATH: process.env['PATH'], HOME: dir };
      const cli = (...args: string[]) => runCli([...args, '--database', database], env, dir);
      const made = await cli('scim', 'token', 'create', '--network', net, '--label', 'okta');
      expect(made.code, made.stderr).toBe(0);
      const created = JSON.parse(made.stdout) as { tokenId: string; token: string };
      expect(created).toMatchObject({
        networkId: net,
        label: 'okta',
        baseUrlPath: `/scim/v2/networks/${net}`,
      });
      const call = (t: string) =>
        fetch(`${own.endpoint}/scim/v2/networks/${net}/Users?startIndex=1&count=2`, {
          headers: { authorization: `Bearer ${t}` },
        });
      expect((await call(created.token)).status).toBe(200);
      const listed = await cli('scim', 'token', 'list', '--network', net);
      expect(listed.stdout).not.toContain(created.token);
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ tokenId: created.tokenId, label: 'okta', revokedAt: null }),
      ]);
      expect((await cli('scim', 'token', 'revoke', created.tokenId)).code).toBe(0);
      expect((await call(created.token)).status).toBe(401);
      const again = await cli('scim', 'token', 'revoke', created.tokenId);
      expect(again.code).toBe(1);
      const unknown = await cli('scim', 'token', 'create', '--network', '99999999');
      expect(unknown.stderr).toMatch(/no network 99999999/);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
