/**
 * The import direction (docs/architecture.md), checked on the real import graph of src/ and
 * web/src as the TypeScript compiler reads and resolves it (test/support/import-graph.ts):
 * every folder has a rule naming what it may import, no file imports outside its rule, and
 * no import cycle exists anywhere. Type-only imports count: a layer that names another's
 * types depends on it. The planted breaks below prove the check fails on each way an import
 * has slipped past it before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cycles, edges, importGraph, type Graph } from './support/import-graph.js';

/** The area of a file: its folder under src/ (or the file, at the top), or the console. */
const areaOf = (path: string) =>
  path.startsWith('web/src/') ? 'web/src' : path.split('/').slice(0, 2).join('/');

/**
 * What each area may import besides itself and the contract (which every area may import,
 * and which imports nothing else). An entry is an area, a folder or a file.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // The layered core, top to bottom: protocol → pipeline → auth → domain → store.
  'src/contract': [],
  'src/protocol': ['src/pipeline', 'src/auth', 'src/domain', 'src/store'],
  // The pipeline writes the audit record with each change, in its transaction.
  'src/pipeline': ['src/auth', 'src/domain', 'src/store', 'src/audit'],
  'src/auth': ['src/domain', 'src/store'],
  // The domain's OIDC and OpenTDF rules call the providers' clients.
  'src/domain': ['src/store', 'src/integrations'],
  'src/store': [],
  // Beside the core.
  'src/integrations': [],
  'src/audit': ['src/store'],
  // The worker records its outcomes through the outbox's owner; the rest of the domain is
  // none of its business.
  // The trail's worker renders audit records as events and settles their queue's rows.
  'src/delivery': ['src/store', 'src/domain/owners/outbox.ts', 'src/audit'],
  // Fixtures are loaded through the table owners, not through a request pipeline.
  'src/fixtures': ['src/domain', 'src/store'],
  // The signed client shares its signer with the server's verifier.
  'src/client': ['src/auth/sigv4.ts'],
  // The other HTTP surfaces: only they and server.ts use the protocol layer.
  'src/surfaces': [
    'src/protocol',
    'src/pipeline',
    'src/auth',
    'src/domain',
    'src/store',
    'src/audit',
    'src/delivery',
    'src/fixtures',
    'src/clock.ts',
    'src/random.ts',
  ],
  // Commands call the server through the signed client, or open the store and its owners.
  'src/cli': [
    'src/client',
    'src/store',
    'src/domain/owners',
    'src/auth',
    'src/audit',
    'src/delivery',
    'src/fixtures',
    'src/config.ts',
    'src/bootstrap.ts',
    'src/server.ts',
  ],
  // The composition root and the package's entry point.
  'src/server.ts': [
    'src/protocol',
    'src/pipeline',
    'src/auth',
    'src/domain',
    'src/store',
    'src/integrations',
    'src/audit',
    'src/delivery',
    'src/fixtures',
    'src/surfaces',
    'src/bootstrap.ts',
    'src/clock.ts',
    'src/config.ts',
    'src/log.ts',
    'src/random.ts',
  ],
  'src/index.ts': [
    'src/embedded.ts',
    'src/server.ts',
    'src/client',
    'src/auth',
    'src/domain',
    'src/audit',
    'src/fixtures',
    'src/surfaces',
    'src/clock.ts',
    'src/config.ts',
  ],
  'src/bootstrap.ts': ['src/auth', 'src/store', 'src/config.ts'],
  // The configuration checks WICKR_TRUSTED_PROXIES with the parser the pipeline's
  // source-address step uses, so a bad value is a start-up error, not a surprise per request.
  'src/config.ts': ['src/pipeline/source-address.ts'],
  'src/log.ts': ['src/log-output.ts'],
  'src/log-output.ts': [],
  'src/clock.ts': [],
  'src/random.ts': [],
  // startEmbedded: a server with its test controls, for test suites.
  'src/embedded.ts': [
    'src/server.ts',
    'src/audit',
    'src/auth',
    'src/fixtures',
    'src/surfaces',
    'src/clock.ts',
    'src/config.ts',
  ],
  // The console runs in the browser: it speaks the contract through the client code.
  'web/src': ['src/client'],
};

/**
 * Breaks that exist today and are being removed by other work, each named with why. The
 * check fails when one no longer occurs, so the list cannot outlive them. None now.
 */
const KNOWN_BREAKS: { imports: string[]; cycles: string[] } = { imports: [], cycles: [] };

const allowed = (from: string, to: string) => {
  const area = areaOf(from);
  if (areaOf(to) === area || areaOf(to) === 'src/contract') return true;
  return (MAY_IMPORT[area] ?? []).some((a) => to === a || to.startsWith(`${a}/`));
};

/** Imports against the rules, as `from → to`; and areas that have no rule. */
function breaks(graph: Graph): string[] {
  const bad = new Set<string>();
  for (const file of graph.keys()) {
    if (!(areaOf(file) in MAY_IMPORT)) bad.add(`${areaOf(file)} has no rule in MAY_IMPORT`);
  }
  for (const e of edges(graph)) {
    if (areaOf(e.from) === 'src/contract' && areaOf(e.to) !== 'src/contract') {
      bad.add(`${e.from} → ${e.to}`);
    } else if (!allowed(e.from, e.to)) bad.add(`${e.from} → ${e.to}`);
  }
  return [...bad].sort();
}

const cyclesOf = (graph: Graph) => cycles(graph).map((c) => c.join(' ↔ '));

/** The graph with `code` appended to real files (or new files), by path. */
function planted(files: Record<string, string>): Graph {
  const overrides: Record<string, string> = {};
  for (const [file, code] of Object.entries(files)) {
    let text = '';
    try {
      text = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      // A new file.
    }
    overrides[file] = `${code}\n${text}`;
  }
  return importGraph(overrides);
}

/** What a planted graph breaks beyond today's known breaks. */
const newBreaks = (graph: Graph) => breaks(graph).filter((b) => !KNOWN_BREAKS.imports.includes(b));
const newCycles = (graph: Graph) => cyclesOf(graph).filter((c) => !KNOWN_BREAKS.cycles.includes(c));

describe('import direction', () => {
  const graph = importGraph();

  it('reads every source file of src/ and web/src and resolves their imports', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect([...graph.keys()].some((f) => f.startsWith('web/src/'))).toBe(true);
    expect(edges(graph).length).toBeGreaterThan(500);
  });

  it('every import follows its folder’s rule, besides the known breaks', () => {
    expect(breaks(graph)).toEqual(KNOWN_BREAKS.imports);
  });

  it('no import cycle exists, besides the known ones', () => {
    expect(cyclesOf(graph)).toEqual(KNOWN_BREAKS.cycles);
  });
});

describe('the import check catches', () => {
  it('an import in double quotes, from a folder the text match never read: fixtures → pipeline', () => {
    const g = planted({
      'src/fixtures/format.ts': 'import { toReasons } from "../pipeline/validate.js";',
    });
    expect(newBreaks(g)).toEqual(['src/fixtures/format.ts → src/pipeline/validate.ts']);
  });

  it('the console importing the CLI', () => {
    const g = planted({
      'web/src/pages/users-lookup.tsx': "import { out } from '../../../src/cli/io';",
    });
    expect(newBreaks(g)).toEqual(['web/src/pages/users-lookup.tsx → src/cli/io.ts']);
  });

  it('re-exports, type-only imports, dynamic imports and import types', () => {
    const g = planted({
      'src/store/keyset.ts': "export type { Principal } from '../auth/authenticator.js';",
      'src/audit/list.ts': "export * from '../pipeline/idempotency.js';",
      'src/domain/common.ts': "export const http = () => import('../protocol/http.js');",
      'src/integrations/oidc-client.ts': "export type C = import('../domain/context.js').Ctx;",
      'src/contract/scalars.ts': "import type { Engine } from '../store/engine.js';",
    });
    expect(newBreaks(g)).toEqual([
      'src/audit/list.ts → src/pipeline/idempotency.ts',
      'src/contract/scalars.ts → src/store/engine.ts',
      'src/domain/common.ts → src/protocol/http.ts',
      'src/integrations/oidc-client.ts → src/domain/context.ts',
      'src/store/keyset.ts → src/auth/authenticator.ts',
    ]);
  });

  it('a folder without a rule', () => {
    const g = planted({
      'src/reports/weekly.ts': "export { contract } from '../contract/index.js';",
    });
    expect(newBreaks(g)).toEqual(['src/reports has no rule in MAY_IMPORT']);
  });

  it('the five-module circle in domain/ (bots, security groups, users, networks, data retention)', () => {
    const g = planted({
      'src/domain/data-retention.ts': "import { CreateBot } from './bots.js';",
      'src/domain/bots.ts': "import { ListSecurityGroups } from './security-groups.js';",
    });
    expect(newCycles(g)).toEqual([
      [
        'src/domain/bots.ts',
        'src/domain/data-retention.ts',
        'src/domain/networks.ts',
        'src/domain/security-groups.ts',
        'src/domain/users.ts',
      ].join(' ↔ '),
    ]);
    // The direction rule allows each of those imports: only the cycle check sees it.
    expect(newBreaks(g)).toEqual([]);
  });

  it('a cycle of type-only imports, and a module importing itself', () => {
    const g = planted({
      // devices.ts imports device-types.ts already.
      'src/domain/device-types.ts': "import type * as Devices from './devices.js';",
      'src/clock.ts': "import type { Clock as Self } from './clock.js';",
    });
    expect(newCycles(g)).toEqual([
      'src/clock.ts',
      'src/domain/device-types.ts ↔ src/domain/devices.ts ↔ src/domain/owners/devices.ts',
    ]);
  });
});
