/**
 * Each table has one writer (docs/architecture.md): over src/ (and the benchmark's seeding),
 * every insert, update or delete of a table, through Kysely or in SQL text, stands in the
 * table's owner module. Migrations create the tables and are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
  health_probe: ['src/store/write-probe.ts'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'migrations'
        ? []
        : files(join(dir, e.name))
      : /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const KYSELY = /\.(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*['"`]([a-z_]+)/g;
/** SQL text in any string: upper-case keywords, as the project writes SQL. */
const SQL_UPPER =
  /\b(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+([a-z_]+)/g;
/** Inside Kysely's sql`...` templates, in any case (and a sequence moved with setval). */
const SQL_TEMPLATE = /\bsql`([^`]*)`/g;
const SQL_ANY =
  /\b(insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|truncate(?:\s+table)?)\s+([a-z_]+)|setval\(\s*pg_get_serial_sequence\(\s*'([a-z_]+)'/gi;

interface Write {
  file: string;
  table: string;
  how: string;
}

function writesOf(file: string): Write[] {
  const text = readFileSync(file, 'utf8');
  const rel = relative(ROOT, file);
  const out: Write[] = [];
  for (const m of text.matchAll(KYSELY)) out.push({ file: rel, table: m[2]!, how: m[1]! });
  for (const m of text.matchAll(SQL_UPPER)) out.push({ file: rel, table: m[2]!, how: m[1]! });
  for (const t of text.matchAll(SQL_TEMPLATE)) {
    for (const m of t[1]!.matchAll(SQL_ANY)) {
      out.push({ file: rel, table: (m[2] ?? m[3])!, how: m[1] ?? 'setval' });
    }
  }
  return out;
}

const TABLES = (() => {
  const schema = readFileSync(join(ROOT, 'src/store/schema.ts'), 'utf8');
  const body = /export interface Database \{([^}]*)\}/.exec(schema)![1]!;
  return [...body.matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]!);
})();

const scanned = [...files(join(ROOT, 'src')), join(ROOT, 'bench/lib/seed.mjs')];
// Words after UPDATE etc. that are no table (prose in comments) are not writes of a table.
const writes = scanned.flatMap(writesOf).filter((w) => TABLES.includes(w.table));

const allowed = (w: Write) =>
  (OWNERS[w.table] ?? []).some((o) => (o.endsWith('/') ? w.file.startsWith(o) : w.file === o));

describe('each table has one writer', () => {
  it('knows every table of the schema and finds their writes', () => {
    expect(TABLES.length).toBeGreaterThan(15);
    expect(Object.keys(OWNERS).sort()).toEqual([...TABLES].sort());
    // The scan sees the owners' own writes (in both forms), so an empty result means something.
    expect(writes.some((w) => w.file === 'src/domain/owners/members.ts')).toBe(true);
    expect(writes.some((w) => w.how === 'setval')).toBe(true);
  });

  it('no module writes a table it does not own', () => {
    const bad = writes.filter((w) => !allowed(w)).map((w) => `${w.file}: ${w.how} ${w.table}`);
    expect(bad).toEqual([]);
  });

  it('the scan catches a write outside the owner', () => {
    const fake = join(ROOT, 'src/domain/owners/members.ts');
    const w = writesOf(fake).map((x) => ({ ...x, file: 'src/domain/users.ts' }));
    expect(w.length).toBeGreaterThan(0);
    expect(w.some(allowed)).toBe(false);
  });
});
