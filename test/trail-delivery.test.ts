/**
 * The audit trail's delivery (delivery/trail-worker.ts, audit/deliveries.ts): webhooks receive
 * every event as a signed EventBridge event, filtered by their pattern; log files are written
 * in CloudTrail's layout; a server killed (SIGKILL) while deliveries are pending delivers every
 * one after its restart; two PostgreSQL replicas deliver each event once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/index.js';
import { addSink, sinkStatuses } from '../src/audit/deliveries.js';
import { openStore } from '../src/store/database.js';
import { matches, parsePattern } from '../src/delivery/event-pattern.js';
import { repoRoot, runCli } from './support/cli-run.js';
import { createTestDatabase } from './support/postgres.mjs';

const ROOT = { accessKeyId: 'AKIATRAILDELIVERY001', secretAccessKey: 'trail-delivery-secret-0001' };
const SECRET = 'whsec-test';

interface Received {
  body: Record<string, unknown>;
  signature: string | undefined;
  raw: string;
}

/** A webhook receiver on loopback: answers `status()` and keeps what it got. */
async function receiver(status: () => number) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const code = status();
      if (code === 200) {
        const sig = req.headers['x-wickr-signature'];
        got.push({
          body: JSON.parse(raw) as Record<string, unknown>,
          signature: sig as string,
          raw,
        });
      }
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => server.close() };
}

/** `node test/support/serve.mjs` (the built server) with these settings; its pid and endpoint. */
async function serve(
  env: Record<string, string>,
): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(repoRoot, 'test/support/serve.mjs')], {
    cwd: repoRoot,
    env: {
      PATH: process.env['PATH'],
      WICKR_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
      WICKR_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      WICKR_TRAIL_LEASE_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line:\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve((JSON.parse(out.slice(0, nl)) as { endpoint: string }).endpoint);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${err}`)));
  });
  return { endpoint, child };
}

const stopped = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

const admin = (endpoint: string) =>
  createClient({ endpoint, region: 'us-east-1', credentials: ROOT, maxRetries: 0 });

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The networks whose CreateNetwork events a receiver got, one entry per delivery. */
const created = (got: Received[]) =>
  got
    .map((g) => g.body['detail'] as { eventName: string; responseElements: { networkId: string } })
    .filter((d) => d.eventName === 'CreateNetwork')
    .map((d) => d.responseElements.networkId);

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'wickr-trail-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function addWebhook(databaseUrl: string, url: string, pattern?: string) {
  const store = await openStore(databaseUrl, { migrate: true });
  try {
    return await addSink(store.db, {
      kind: 'webhook',
      target: url,
      secret: SECRET,
      ...(pattern ? { pattern } : {}),
      now: Date.now(),
    });
  } finally {
    await store.close();
  }
}

describe('webhooks', () => {
  it('receive signed EventBridge events that match their pattern, and log files are written', async () => {
    const dir = tmp();
    const db = `sqlite:${join(dir, 'w.db')}`;
    const all = await receiver(() => 200);
    const filtered = await receiver(() => 200);
    await addWebhook(db, all.url);
    await addWebhook(
      db,
      filtered.url,
      JSON.stringify({ detail: { eventName: [{ prefix: 'Update' }] } }),
    );
    const logs = join(dir, 'logs');
    const { endpoint, child } = await serve({ WICKR_DATABASE_URL: db, WICKR_AUDIT_LOG_DIR: logs });
    try {
      const c = admin(endpoint);
      const { networkId } = await c.call('CreateNetwork', {
        networkName: 'hooked',
        accessLevel: 'STANDARD',
      });
      await c.call('UpdateNetwork', { networkId: networkId!, networkName: 'hooked2' });
      await until('both events', () => all.got.length >= 2 && filtered.got.length >= 1);
      const [first] = all.got;
      expect(first!.body).toMatchObject({
        version: '0',
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.wickr',
        account: '000000000000',
        region: 'us-east-1',
        resources: [`arn:aws:wickr:us-east-1:000000000000:network/${networkId}`],
        detail: { eventName: 'CreateNetwork', eventSource: 'wickr.amazonaws.com' },
      });
      expect(first!.body['id']).toBe((first!.body['detail'] as { eventID: string }).eventID);
      // The signature verifies as docs/audit.md says.
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(first!.signature ?? '') ?? [];
      expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${first!.raw}`).digest('hex'));
      // The filtered webhook got only the update.
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        filtered.got.map((g) => (g.body['detail'] as { eventName: string }).eventName),
      ).toEqual(['UpdateNetwork']);
      // Log files in CloudTrail's layout, each {"Records": [...]}.
      await until('a log file', () => findFiles(logs).length > 0);
      await until('both records in log files', () => recordsIn(logs).length >= 2);
      const files = findFiles(logs);
      for (const f of files) {
        expect(f.slice(logs.length + 1)).toMatch(
          /^AWSLogs\/000000000000\/CloudTrail\/us-east-1\/\d{4}\/\d{2}\/\d{2}\/000000000000_CloudTrail_us-east-1_\d{8}T\d{4}Z_[0-9a-f]{16}\.json\.gz$/,
        );
      }
      expect(recordsIn(logs).map((r) => r['eventName'])).toEqual(
        expect.arrayContaining(['CreateNetwork', 'UpdateNetwork']),
      );
      const store = await openStore(db, { migrate: false });
      try {
        const statuses = await sinkStatuses(store.db);
        expect(statuses.map((s) => s.counts.pending)).toEqual([0, 0, 0]);
        expect(statuses[1]!.counts.skipped).toBeGreaterThanOrEqual(1);
      } finally {
        await store.close();
      }
    } finally {
      await stopped(child, 'SIGTERM');
      all.close();
      filtered.close();
    }
  }, 120_000);

  it('a server killed while deliveries are pending delivers every one after its restart', async () => {
    const dir = tmp();
    const db = `sqlite:${join(dir, 'w.db')}`;
    let up = false;
    const hook = await receiver(() => (up ? 200 : 503));
    await addWebhook(db, hook.url);
    const first = await serve({ WICKR_DATABASE_URL: db });
    const networks: string[] = [];
    const c = admin(first.endpoint);
    for (let i = 0; i < 5; i++) {
      networks.push(
        (await c.call('CreateNetwork', { networkName: `kill-${i}`, accessLevel: 'STANDARD' }))
          .networkId!,
      );
    }
    // Each delivery has been tried and refused at least once: all pending.
    const store = await openStore(db, { migrate: false });
    try {
      await until('failed attempts', async () => {
        const [s] = await sinkStatuses(store.db);
        return s!.counts.pending === 5 && s!.lastError !== null;
      });
    } finally {
      await store.close();
    }
    await stopped(first.child, 'SIGKILL');
    up = true;
    const second = await serve({ WICKR_DATABASE_URL: db });
    try {
      await until('every event delivered', () =>
        networks.every((n) => created(hook.got).includes(n)),
      );
    } finally {
      await stopped(second.child, 'SIGTERM');
      hook.close();
    }
  }, 180_000);

  it('two PostgreSQL replicas deliver each event once', async () => {
    const pg = await createTestDatabase();
    const hook = await receiver(() => 200);
    try {
      await addWebhook(pg.url, hook.url);
      const a = await serve({ WICKR_DATABASE_URL: pg.url });
      const b = await serve({ WICKR_DATABASE_URL: pg.url });
      try {
        const networks: string[] = [];
        for (let i = 0; i < 30; i++) {
          const c = admin(i % 2 === 0 ? a.endpoint : b.endpoint);
          networks.push(
            (await c.call('CreateNetwork', { networkName: `rep-${i}`, accessLevel: 'STANDARD' }))
              .networkId!,
          );
        }
        await until('every event delivered', () =>
          networks.every((n) => created(hook.got).includes(n)),
        );
        // A little longer: a second delivery would show now.
        await new Promise((r) => setTimeout(r, 2500));
        const ids = hook.got.map((g) => g.body['id'] as string);
        expect(new Set(ids).size).toBe(ids.length);
        expect(created(hook.got).sort()).toEqual([...networks].sort());
      } finally {
        await Promise.all([stopped(a.child, 'SIGTERM'), stopped(b.child, 'SIGTERM')]);
      }
    } finally {
      hook.close();
      await pg.drop();
    }
  }, 180_000);
});

describe('wickr-admin webhooks', () => {
  it('adds, lists, shows the status of and removes webhooks; refuses a bad pattern', async () => {
    const db = `sqlite:${join(tmp(), 'w.db')}`;
    await (await openStore(db, { migrate: true })).close();
    const env = { PATH: process.env['PATH'] };
    const cli = (...args: string[]) => runCli([...args, '--database', db], env, repoRoot);
    const added = await cli(
      'webhooks',
      'add',
      'http://127.0.0.1:9/hook',
      '--pattern',
      '{"detail":{"eventName":["CreateNetwork"]}}',
    );
    expect(added.code, added.stderr).toBe(0);
    const hook = JSON.parse(added.stdout) as { id: number; secret: string; signed: boolean };
    expect(hook.signed).toBe(true);
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    const listed = JSON.parse((await cli('webhooks', 'list')).stdout) as object[];
    expect(listed).toEqual([
      expect.objectContaining({
        id: hook.id,
        kind: 'webhook',
        pattern: { detail: { eventName: ['CreateNetwork'] } },
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    const status = JSON.parse((await cli('webhooks', 'status')).stdout) as object[];
    expect(status).toEqual([expect.objectContaining({ id: hook.id, pending: 0, failed: 0 })]);
    const bad = await cli('webhooks', 'add', 'http://127.0.0.1:9/x', '--pattern', '{"a":[]}');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/may not be empty/);
    expect((await cli('webhooks', 'add', 'ftp://x/')).code).not.toBe(0);
    expect((await cli('webhooks', 'remove', String(hook.id))).code).toBe(0);
    expect(JSON.parse((await cli('webhooks', 'list')).stdout)).toEqual([]);
    expect((await cli('webhooks', 'remove', String(hook.id))).code).not.toBe(0);
  }, 60_000);
});

describe('event patterns', () => {
  const event = {
    source: 'aws.wickr',
    detail: { eventName: 'CreateNetwork', readOnly: false, n: 5 },
    resources: ['arn:a', 'arn:b'],
  };
  it('match exact values, prefixes, anything-but, exists, numbers and arrays', () => {
    const ok = (p: object) => matches(parsePattern(JSON.stringify(p)), event);
    expect(ok({ source: ['aws.wickr'] })).toBe(true);
    expect(ok({ source: ['aws.ec2'] })).toBe(false);
    expect(ok({ detail: { eventName: [{ prefix: 'Create' }] } })).toBe(true);
    expect(ok({ detail: { eventName: [{ suffix: 'Network' }] } })).toBe(true);
    expect(ok({ detail: { eventName: [{ 'anything-but': ['CreateNetwork'] }] } })).toBe(false);
    expect(ok({ detail: { eventName: [{ 'anything-but': { prefix: 'Get' } }] } })).toBe(true);
    expect(ok({ detail: { errorCode: [{ exists: false }] } })).toBe(true);
    expect(ok({ detail: { errorCode: [{ exists: true }] } })).toBe(false);
    expect(ok({ detail: { n: [{ numeric: ['>', 1, '<=', 5] }] } })).toBe(true);
    expect(ok({ detail: { n: [{ numeric: ['>', 5] }] } })).toBe(false);
    expect(ok({ detail: { readOnly: [false] } })).toBe(true);
    expect(ok({ resources: ['arn:b'] })).toBe(true);
  });
  it('refuse what is not a pattern', () => {
    expect(() => parsePattern('[1]')).toThrow(/must be an object/);
    expect(() => parsePattern('{"a": []}')).toThrow(/may not be empty/);
    expect(() => parsePattern('{"a": [{"wildcard": "x*"}]}')).toThrow(/not a matcher/);
    expect(() => parsePattern('{"a": [{"numeric": [">"]}]}')).toThrow(/not a matcher/);
    expect(() => parsePattern('nope')).toThrow(/not JSON/);
  });
});

function findFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(findFiles(p));
    else if (p.endsWith('.json.gz')) out.push(p);
  }
  return out;
}

function recordsIn(dir: string): Record<string, unknown>[] {
  return findFiles(dir).flatMap(
    (f) =>
      (JSON.parse(gunzipSync(readFileSync(f)).toString()) as { Records: Record<string, unknown>[] })
        .Records,
  );
}
