/**
 * Each table has one writer (docs/architecture.md): over src/ and the benchmark's scripts,
 * every insert, update or delete of a table (through Kysely, a write helper or SQL text, in
 * any case) stands in the table's owner module, and names its table literally. The writes
 * are found in the syntax tree (test/support/table-writes.ts); the planted breaks below
 * prove the check fails on each way a write has slipped past it before. Migrations create
 * the tables and are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DEVICE_STATUS } from '../src/domain/owners/devices.js';
import { MEMBER_STATUS } from '../src/domain/owners/members.js';
import { OUTBOX_STATUS } from '../src/domain/owners/outbox.js';
import { statusLiteralsIn } from './support/status-literals.js';
import { WRITE_HELPERS, writesIn, type Write } from './support/table-writes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Table → the files (or folders, ending in /) allowed to write it, relative to the root. */
const OWNERS: Record<string, readonly string[]> = {
  members: ['src/domain/owners/members.ts'],
  member_groups: ['src/domain/owners/members.ts'],
  outbox: ['src/domain/owners/outbox.ts'],
  networks: ['src/domain/owners/networks.ts'],
  security_groups: ['src/domain/owners/security-groups.ts'],
  devices: ['src/domain/owners/devices.ts'],
  id_registry: ['src/domain/owners/id-registry.ts'],
  guest_users: ['src/domain/owners/guests.ts'],
  guest_blocks: ['src/domain/owners/guests.ts'],
  data_retention: ['src/domain/owners/data-retention.ts'],
  access_keys: ['src/auth/keys.ts'],
  idempotency: ['src/pipeline/idempotency.ts'],
  server_secrets: ['src/bootstrap.ts'],
  oidc_configs: ['src/domain/oidc.ts'],
  oidc_ca_certificates: ['src/domain/oidc.ts'],
  opentdf_configs: ['src/domain/opentdf.ts'],
  console_sessions: ['src/surfaces/console/sessions.ts'],
  // The audit trail is its own module: recorded with each change, pruned by retention.
  audit_log: ['src/audit/'],
  // Where audit events are delivered and their durable queue, queued with each record.
  trail_sinks: ['src/audit/deliveries.ts'],
  trail_deliveries: ['src/audit/deliveries.ts'],
  health_probe: ['src/store/write-probe.ts'],
  scim_tokens: ['src/domain/owners/scim-tokens.ts'],
  limit_counters: ['src/pipeline/shared-limits.ts'],
};

/**
 * Tables of other databases than the schema's, with their one writer: the lock file beside a
 * SQLite database (one server per file) holds its holder's row.
 */
const OTHER_DATABASES: Record<string, readonly string[]> = {
  holder: ['src/store/server-lock.ts'],
};

/**
 * Scripts that time schema changes on a throwaway copy, as a migration would run them: like
 * the migrations, they are no writers of the application's rows.
 */
const MIGRATION_LIKE = new Set(['bench/migration-cost.mjs']);

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? ['migrations', 'results'].includes(e.name)
        ? []
        : files(join(dir, e.name), pattern)
      : pattern.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** The tables of the schema: the members of `interface Database` in src/store/schema.ts. */
const TABLES = (() => {
  const path = join(ROOT, 'src/store/schema.ts');
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const db = sf.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Database',
  );
  return db!.members.map((m) => (m.name as ts.Identifier).text);
})();

/** Every scanned file's text, by path relative to the root. */
function sources(): Map<string, string> {
  const paths = [...files('src', /\.ts$/), ...files('bench', /\.mjs$/)];
  return new Map(paths.map((p) => [p, readFileSync(join(ROOT, p), 'utf8')]));
}

const ownedBy = (w: Write) =>
  (OWNERS[w.table!] ?? []).some((o) => (o.endsWith('/') ? w.file.startsWith(o) : w.file === o));

/** The writes of one file that break the rule, as `file:line: how table`. */
function violationsIn(file: string, text: string): string[] {
  const bad: string[] = [];
  for (const w of writesIn(file, text)) {
    const where = `${w.file}:${w.line}: ${w.how}`;
    if (w.table === undefined) {
      // Only a write helper may take its table from a parameter; its calls are checked.
      if (!Object.values(WRITE_HELPERS).some((h) => h.definedIn === file)) {
        bad.push(`${where} of a table that is not written out literally`);
      }
    } else if (OTHER_DATABASES[w.table]) {
      if (!OTHER_DATABASES[w.table]!.includes(w.file))
        bad.push(`${where} ${w.table} outside its owner`);
    } else if (MIGRATION_LIKE.has(w.file)) continue;
    else if (!TABLES.includes(w.table)) bad.push(`${where} ${w.table}, which is no table`);
    else if (!ownedBy(w)) bad.push(`${where} ${w.table} outside its owner`);
  }
  return bad;
}

const real = sources();

/**
 * The violations of one real file with `code` appended (the other files are unchanged, and
 * checked clean by the test of the real source).
 */
function plantedIn(file: string, code: string): string[] {
  return violationsIn(file, `${real.get(file)!}\n${code}\n`);
}

describe('each table has one writer', () => {
  const writes = [...real].flatMap(([file, text]) => writesIn(file, text));

  it('knows every table of the schema and finds their writes in every form', () => {
    expect(TABLES.length).toBeGreaterThan(15);
    expect(Object.keys(OWNERS).sort()).toEqual([...TABLES].sort());
    const of = (file: string) => writes.filter((w) => w.file === file);
    // Kysely calls, the insertRows helper and SQL text (a sequence moved with setval).
    expect(of('src/domain/owners/members.ts').map((w) => w.how)).toEqual(
      expect.arrayContaining(['insertInto', 'updateTable', 'deleteFrom', 'insertRows', 'setval']),
    );
    // Each owner's own writes are seen, so an empty list of violations means something.
    for (const [table, owners] of Object.entries(OWNERS)) {
      expect(
        writes.some((w) => w.table === table && owners.some((o) => w.file.startsWith(o))),
        table,
      ).toBe(true);
    }
  });

  it('no module writes a table it does not own, or a table it does not name', () => {
    expect([...real].flatMap(([file, text]) => violationsIn(file, text))).toEqual([]);
  });
});

describe('the table-writes check catches', () => {
  const users = 'src/domain/users.ts';

  it('a write helper called outside the owner: insertRows(ctx.db, "members", [])', () => {
    expect(
      plantedIn(users, `export const x = (ctx: Ctx) => insertRows(ctx.db, 'members', []);`),
    ).toEqual([
      expect.stringMatching(/^src\/domain\/users\.ts:\d+: insertRows members outside its owner$/),
    ]);
    // The same call in the owner is its own business.
    expect(
      plantedIn(
        'src/domain/owners/members.ts',
        `export const x = (db: Db) => insertRows(db, 'members', []);`,
      ),
    ).toEqual([]);
  });

  it('a Kysely write whose table is a variable: deleteFrom(t)', () => {
    const code = `export const x = (ctx: Ctx, t: 'members') => ctx.db.deleteFrom(t).execute();`;
    expect(plantedIn(users, code)).toEqual([
      expect.stringMatching(
        /users\.ts:\d+: deleteFrom of a table that is not written out literally$/,
      ),
    ]);
    // In the owner too: the table must be readable off the source.
    expect(plantedIn('src/domain/owners/members.ts', code)).toHaveLength(1);
  });

  it('raw SQL in lower case outside an owner: delete from networks', () => {
    expect(
      plantedIn(users, 'export const x = (ctx: Ctx) => sql`delete from networks`.execute(ctx.db);'),
    ).toEqual([expect.stringMatching(/: delete from networks outside its owner$/)]);
    expect(
      plantedIn(users, "export const q = CompiledQuery.raw('delete from networks where 1 = 1');"),
    ).toEqual([expect.stringMatching(/: delete from networks outside its owner$/)]);
  });

  it('writes in other spellings', () => {
    const cases: [string, RegExp][] = [
      [`db.updateTable("members").set({ suspended: 1 })`, /updateTable members outside/],
      ['db.insertInto(`devices`).values(row)', /insertInto devices outside/],
      [`db['deleteFrom']('outbox')`, /deleteFrom outbox outside/],
      [`db.updateTable('members as m').set({ suspended: 1 })`, /updateTable members outside/],
      [`db.replaceInto('access_keys').values(row)`, /replaceInto access_keys outside/],
      ['sql`UPDATE members SET suspended = 1`', /update members outside/],
      ['sql`update "security_groups" as g set name = ${n}`', /update security_groups outside/],
      [
        "exec('INSERT OR REPLACE INTO devices (app_id) VALUES (1)')",
        /insert or replace into devices outside/,
      ],
      ["exec('TRUNCATE TABLE outbox')", /truncate table outbox outside/],
      [
        'sql`DELETE FROM ${sql.table(t)}`',
        /delete from of a table that is not written out literally/,
      ],
      ["exec('DELETE FROM ' + t)", /delete from of a table that is not written out literally/],
      [
        "sql`select setval(pg_get_serial_sequence('members', 'member_id'), 1)`",
        /setval members outside/,
      ],
      [`db.deleteFrom('nonesuch')`, /deleteFrom nonesuch, which is no table/],
    ];
    for (const [code, expected] of cases) {
      expect(plantedIn(users, `export const x = () => ${code};`), code).toEqual([
        expect.stringMatching(expected),
      ]);
    }
  });

  it('but not prose, reads or comments that name a table', () => {
    const code = [
      `// delete from networks, update members set x`,
      `export const m = 'Could not update members; delete the network first.';`,
      'export const q = sql`select * from networks where network_id = ${id}`;',
    ].join('\n');
    expect(plantedIn(users, code)).toEqual([]);
  });
});

/** Each owner's named statuses, and the file that names them. */
const STATUSES: { owner: string; values: readonly (string | number)[] }[] = [
  { owner: 'src/domain/owners/members.ts', values: Object.values(MEMBER_STATUS) },
  { owner: 'src/domain/owners/devices.ts', values: Object.values(DEVICE_STATUS) },
  { owner: 'src/domain/owners/outbox.ts', values: Object.values(OUTBOX_STATUS) },
];
const STATUS_VALUES = new Set<string | number>(STATUSES.flatMap((s) => s.values));

/** Status values spelled out in a file that does not define them, as `file:line: code`. */
function bareStatuses(file: string, text: string): string[] {
  if (STATUSES.some((s) => s.owner === file) || !file.startsWith('src/')) return [];
  // The contract is the API as data and imports nothing: a wire enum spells its values there
  // (the outbox filter's; test/outbox-statuses.test.ts holds it equal to the owner's list).
  if (file.startsWith('src/contract/')) return [];
  return statusLiteralsIn(file, text, STATUS_VALUES).map(
    (l) => `${l.file}:${l.line}: ${JSON.stringify(l.value)} in ${l.text}`,
  );
}

describe('statuses are named by their owners', () => {
  it('no module of src/ spells out a member, device or outbox status', () => {
    expect([...real].flatMap(([file, text]) => bareStatuses(file, text))).toEqual([]);
  });

  it('the check catches a bare status set, compared, filtered on or listed', () => {
    const code = [
      'const a = { status: 2 };',
      'const b = Number(m.m_status) !== 1;',
      "const c = q.where('m.status', '=', 2);",
      "const d = d.status_text === 'Reset';",
      "const e = ['pending', 'sent', 'failed'];",
      "switch (r.status) { case 'withdrawn': break; }",
    ].join('\n');
    const found = bareStatuses('src/fixtures/export.ts', code);
    expect(found.map((f) => f.replace(/:\d+:/, ':'))).toEqual([
      'src/fixtures/export.ts: 2 in status: 2',
      'src/fixtures/export.ts: 1 in Number(m.m_status) !== 1',
      "src/fixtures/export.ts: 2 in q.where('m.status', '=', 2)",
      'src/fixtures/export.ts: "Reset" in d.status_text === \'Reset\'',
      "src/fixtures/export.ts: \"pending\" in ['pending', 'sent', 'failed']",
      "src/fixtures/export.ts: \"sent\" in ['pending', 'sent', 'failed']",
      "src/fixtures/export.ts: \"failed\" in ['pending', 'sent', 'failed']",
      'src/fixtures/export.ts: "withdrawn" in case \'withdrawn\': break;',
    ]);
    // An HTTP status, a type, another vocabulary's words: no member, device or outbox status.
    const fine = [
      "const f = { status: 200, outcome: 'success' };",
      "type G = { status: 'pending' | 'active' };",
      "const h = u.status === 'active';",
    ].join('\n');
    expect(bareStatuses('src/fixtures/export.ts', fine)).toEqual([]);
  });
});
