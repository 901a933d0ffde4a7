/**
 * The real import graph of the project's source, read with the TypeScript compiler: every
 * static import and re-export (type-only ones included), every dynamic `import()` and
 * `import('...')` type, in any quoting, resolved as the compiler resolves it (src/ with
 * the server's tsconfig, web/src with the console's). `test/layers.test.ts` checks the
 * layering rules and the absence of cycles over it; planted breaks are checked by feeding
 * source text in place of a file (`overrides`), so no file on disk is touched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One import of a file: what it names, and where that resolves (a path under ROOT). */
export interface Import {
  specifier: string;
  /** Relative to ROOT; undefined for a package (node_modules, node:*). */
  target: string | undefined;
  typeOnly: boolean;
}

export type Graph = Map<string, Import[]>;

/**
 * Resolutions already made (by tsconfig, importing folder and specifier): a planted file
 * adds files but moves none, so an import resolves the same in every graph of a test run.
 */
const resolved = new Map<string, ts.ResolvedModuleFull | undefined>();

/** Source folders and the compiler options their imports resolve with. */
const ROOTS: { dir: string; tsconfig: string }[] = [
  { dir: 'src', tsconfig: 'tsconfig.json' },
  { dir: 'web/src', tsconfig: 'web/tsconfig.json' },
];

function compilerOptions(tsconfig: string): ts.CompilerOptions {
  const path = join(ROOT, tsconfig);
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(path)).options;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** The module specifiers a file's text names, found in its syntax tree. */
export function importsIn(
  fileName: string,
  text: string,
): { specifier: string; typeOnly: boolean }[] {
  const kind = fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const literal = (n: ts.Node | undefined) =>
    n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const s = literal(node.moduleSpecifier);
      const clause = node.importClause;
      // `import type {…}`, or every named binding marked `type`: erased from the output.
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (s !== undefined) found.push({ specifier: s, typeOnly });
    } else if (ts.isExportDeclaration(node)) {
      const s = literal(node.moduleSpecifier);
      if (s !== undefined) found.push({ specifier: s, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      const s = ts.isExternalModuleReference(ref) ? literal(ref.expression) : undefined;
      if (s !== undefined) found.push({ specifier: s, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const s = literal(node.arguments[0]);
      // A computed specifier cannot be resolved here: named, so the check fails on it.
      found.push({
        specifier: s ?? `<computed: ${node.arguments[0]?.getText(sf)}>`,
        typeOnly: false,
      });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      const s = ts.isLiteralTypeNode(arg) ? literal(arg.literal) : undefined;
      if (s !== undefined) found.push({ specifier: s, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/**
 * The import graph of src/ and web/src: each file (relative to ROOT) with its imports.
 * `overrides` replaces (or adds) files' text, relative paths as keys.
 */
export function importGraph(overrides: Record<string, string> = {}): Graph {
  const options = new Map(ROOTS.map((r) => [r.tsconfig, compilerOptions(r.tsconfig)]));
  const extra = new Map(Object.entries(overrides).map(([p, t]) => [join(ROOT, p), t]));
  const host: ts.ModuleResolutionHost = {
    fileExists: (p) => extra.has(p) || ts.sys.fileExists(p),
    readFile: (p) => extra.get(p) ?? ts.sys.readFile(p),
    directoryExists: (p) => ts.sys.directoryExists?.(p) ?? true,
    realpath: (p) => ts.sys.realpath?.(p) ?? p,
    getCurrentDirectory: () => ROOT,
  };
  const graph: Graph = new Map();
  for (const { dir, tsconfig } of ROOTS) {
    const files = new Set(sourceFiles(dir));
    for (const p of Object.keys(overrides)) if (p.startsWith(`${dir}/`)) files.add(p);
    for (const file of [...files].sort()) {
      const abs = join(ROOT, file);
      const text = extra.get(abs) ?? readFileSync(abs, 'utf8');
      graph.set(
        file,
        importsIn(file, text).map(({ specifier, typeOnly }) => {
          const key = `${tsconfig}\n${dirname(abs)}\n${specifier}`;
          let r = resolved.get(key);
          if (!resolved.has(key)) {
            r = ts.resolveModuleName(specifier, abs, options.get(tsconfig)!, host).resolvedModule;
            resolved.set(key, r);
          }
          if (r) {
            const target = r.isExternalLibraryImport
              ? undefined
              : relative(ROOT, r.resolvedFileName);
            return { specifier, target, typeOnly };
          }
          if (!/^\.{0,2}\//.test(specifier)) return { specifier, target: undefined, typeOnly };
          // A relative import of another kind of file (the console's stylesheet): a leaf.
          const asset = join(dirname(abs), specifier);
          if (!host.fileExists(asset)) throw new Error(`${file}: ${specifier} does not resolve`);
          return { specifier, target: relative(ROOT, asset), typeOnly };
        }),
      );
    }
  }
  return graph;
}

/** Local edges of the graph, as `from → to` pairs. */
export function edges(graph: Graph): { from: string; to: string; typeOnly: boolean }[] {
  return [...graph].flatMap(([from, imports]) =>
    imports.flatMap((i) => (i.target ? [{ from, to: i.target, typeOnly: i.typeOnly }] : [])),
  );
}

/**
 * The import cycles: strongly connected components of more than one file, or a file that
 * imports itself (Tarjan's algorithm), each sorted, in a stable order.
 */
export function cycles(graph: Graph): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges(graph)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) strongConnect(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
