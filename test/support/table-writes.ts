/**
 * The table writes of the project's source, found in its syntax tree (the TypeScript
 * compiler's parser, JavaScript included): every Kysely `insertInto`, `updateTable`,
 * `deleteFrom`, `replaceInto` and `mergeInto` call, whatever it is called on; every call of a
 * write helper that takes the table as an argument (`insertRows`); and every write in SQL
 * text, in any string or template (Kysely's `sql` tag, `CompiledQuery.raw`, a driver's
 * `exec`), in any case. A write whose table is not written out literally at the call (a
 * variable, a template substitution, a concatenation) is reported with `table` undefined,
 * so a checker can refuse it: a table nobody can read off the source has no checkable owner.
 *
 * Why the syntax tree and not a Kysely plugin recording writes at run time: the tree sees
 * every query site, including the ones no test happens to run, in a second, with no server.
 */
import ts from 'typescript';

export interface Write {
  file: string;
  line: number;
  /** The table written, or undefined when it is not a literal at the call. */
  table: string | undefined;
  /** What writes it: the Kysely method, the helper, or the SQL statement's keyword. */
  how: string;
}

const KYSELY_WRITES = new Set([
  'insertInto',
  'updateTable',
  'deleteFrom',
  'replaceInto',
  'mergeInto',
]);

/**
 * Helpers that write the table named by one of their arguments (its index). Their own
 * statement names the table through a parameter; every call of them is checked instead.
 */
export const WRITE_HELPERS: Readonly<Record<string, { argument: number; definedIn: string }>> = {
  insertRows: { argument: 1, definedIn: 'src/store/insert-rows.ts' },
};

/** A placeholder for a template's substitution: the table is not literal there. */
const HOLE = '\u0000';
const NAME = `"?([a-z_][a-z0-9_]*|${HOLE})"?`;
/** SQL writes, any case. UPDATE needs its SET, so prose ("will update members") is no write. */
const SQL_WRITE = new RegExp(
  [
    `\\b(insert\\s+(?:or\\s+\\w+\\s+)?into|replace\\s+into|merge\\s+into|delete\\s+from|truncate(?:\\s+table)?(?:\\s+only)?)\\s+${NAME}`,
    `\\b(update(?:\\s+or\\s+\\w+)?(?:\\s+only)?)\\s+${NAME}(?:\\s+(?:as\\s+)?\\w+)?\\s+set\\b`,
    `\\b(setval)\\(\\s*pg_get_serial_sequence\\(\\s*'${NAME}'`,
  ].join('|'),
  'gi',
);
/** A string that ends where a write's table would start: the table is concatenated to it. */
const SQL_WRITE_OPEN_END =
  /\b(insert\s+(?:or\s+\w+\s+)?into|replace\s+into|merge\s+into|delete\s+from|truncate(?:\s+table)?)\s*$/i;

/** The table a literal argument names: `'members as m'` is `members`. */
function literalTable(node: ts.Expression | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
    return /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(node.text)?.[1];
  }
  return undefined;
}

/** The name a call calls: `f(...)`, `a.b.f(...)`, `a['f'](...)`. */
function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    return e.argumentExpression.text;
  }
  return undefined;
}

/** The writes in one file's text (`file` is only its name, relative to the project). */
export function writesIn(file: string, text: string): Write[] {
  const kind = /\.(m?js)$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const out: Write[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;

  const sqlText = (node: ts.Node, chunks: string[], concatenated: boolean) => {
    const joined = chunks.join(HOLE);
    for (const m of joined.matchAll(SQL_WRITE)) {
      const how = (m[1] ?? m[3] ?? m[5])!.toLowerCase().replace(/\s+/g, ' ');
      const name = (m[2] ?? m[4] ?? m[6])!;
      out.push({ file, line: at(node), table: name === HOLE ? undefined : name, how });
    }
    // A string that ends on a write keyword has its table added by a `+`.
    const m = concatenated ? SQL_WRITE_OPEN_END.exec(chunks[0]!) : null;
    if (m) out.push({ file, line: at(node), table: undefined, how: m[1]!.toLowerCase() });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      if (name && KYSELY_WRITES.has(name) && !ts.isIdentifier(node.expression)) {
        const arg = node.arguments[0];
        const tables =
          arg && ts.isArrayLiteralExpression(arg)
            ? arg.elements.map((e) => literalTable(e))
            : [literalTable(arg)];
        for (const table of tables) out.push({ file, line: at(node), table, how: name });
      }
      const helper = name && Object.hasOwn(WRITE_HELPERS, name) ? WRITE_HELPERS[name] : undefined;
      if (helper) {
        out.push({
          file,
          line: at(node),
          table: literalTable(node.arguments[helper.argument]),
          how: name!,
        });
      }
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      sqlText(node, [node.text], true);
    } else if (ts.isTemplateExpression(node)) {
      // Substitutions are holes: a write whose table is one is not literal.
      sqlText(node, [node.head.text, ...node.templateSpans.map((s) => s.literal.text)], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
