/**
 * The import direction between layers (docs/architecture.md): over the import graph of src/,
 * imports point down protocol → pipeline → auth → domain → store; the contract is
 * importable by all and imports nothing else; only server.ts and the surfaces import the
 * protocol layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The layers, top to bottom: a layer may import itself, the contract and layers below it. */
const LAYERS = ['protocol', 'pipeline', 'auth', 'domain', 'store'] as const;
/** What each layer may import besides layers below it (outside the layered core). */
const ALSO: Record<string, readonly string[]> = {
  // The OIDC provider client is called by the domain's OIDC rules.
  domain: ['integrations'],
  // The audit record's shape: the pipeline writes one with each change, in its transaction
  // (audit/ itself sits on the store).
  pipeline: ['audit'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Relative module specifiers of a file: static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) found.push(m[1]!);
  return found.map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The area of a path under src/: its first directory, or the file itself at the top. */
const areaOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : path);

const graph = files(SRC).map((f) => ({ from: relative(SRC, f), to: importsOf(f) }));

describe('import direction between layers', () => {
  it('finds the source files and their imports', () => {
    expect(graph.length).toBeGreaterThan(30);
    expect(graph.some((g) => g.to.length > 0)).toBe(true);
  });

  it('the contract imports only itself', () => {
    const bad = graph.flatMap((g) =>
      areaOf(g.from) === 'contract'
        ? g.to.filter((t) => areaOf(t) !== 'contract').map((t) => `${g.from} → ${t}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('layers import only themselves, the contract and the layers below them', () => {
    const bad: string[] = [];
    for (const g of graph) {
      const from = areaOf(g.from);
      const rank = LAYERS.indexOf(from as (typeof LAYERS)[number]);
      if (rank === -1) continue;
      for (const t of g.to) {
        const to = areaOf(t);
        const toRank = LAYERS.indexOf(to as (typeof LAYERS)[number]);
        const ok =
          to === 'contract' || (toRank !== -1 && toRank >= rank) || ALSO[from]?.includes(to);
        if (!ok) bad.push(`${g.from} → ${t}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('delivery imports only the store, the contract and the outbox owner', () => {
    // The worker records its outcomes through the outbox's owner (the table's one writer);
    // the rest of the domain is none of its business.
    const ok = (t: string) =>
      ['delivery', 'store', 'contract'].includes(areaOf(t)) || t === 'domain/owners/outbox.ts';
    const bad = graph.flatMap((g) =>
      areaOf(g.from) === 'delivery'
        ? g.to.filter((t) => !ok(t)).map((t) => `${g.from} → ${t}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('only server.ts and the surfaces import the protocol layer', () => {
    const bad = graph.flatMap((g) => {
      const from = areaOf(g.from);
      if (from === 'protocol' || from === 'server.ts' || from === 'surfaces') return [];
      return g.to.filter((t) => areaOf(t) === 'protocol').map((t) => `${g.from} → ${t}`);
    });
    expect(bad).toEqual([]);
  });
});
