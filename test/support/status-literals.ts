/**
 * Bare status values in source, found in its syntax tree: a literal that equals one of the
 * stored statuses (given by the caller, from the owners' constants) where a status is set,
 * compared, filtered on or listed. Used by test/table-owners.test.ts: statuses are named by
 * the owner that defines them, and spelled out nowhere else.
 */
import ts from 'typescript';

export interface StatusLiteral {
  file: string;
  line: number;
  value: string | number;
  /** The code around it, for the message. */
  text: string;
}

const isStatusName = (name: string) => /status/i.test(name);

/** A literal's value, or undefined when the node is no string or number literal. */
function literalValue(node: ts.Node): string | number | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  return undefined;
}

/** Whether an expression reads a status: `x.status`, `x['m_status']`, `Number(x.status)`. */
function readsStatus(node: ts.Expression): boolean {
  let e = node;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) {
    e = e.expression;
  }
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.arguments.length === 1) {
    if (['Number', 'String'].includes(e.expression.text)) return readsStatus(e.arguments[0]!);
  }
  if (ts.isPropertyAccessExpression(e)) return isStatusName(e.name.text);
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    return isStatusName(e.argumentExpression.text);
  }
  return ts.isIdentifier(e) && isStatusName(e.text);
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** The status literals of one file: literals whose value is in `values`, in status positions. */
export function statusLiteralsIn(
  file: string,
  text: string,
  values: ReadonlySet<string | number>,
): StatusLiteral[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: StatusLiteral[] = [];
  const found = (literal: ts.Node, around: ts.Node) => {
    const value = literalValue(literal);
    if (value === undefined || !values.has(value)) return;
    out.push({
      file,
      line: sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1,
      value,
      text: around.getText(sf).replace(/\s+/g, ' ').slice(0, 80),
    });
  };
  const visit = (node: ts.Node): void => {
    // { status: 2 }, { status_text: 'Reset' }
    if (ts.isPropertyAssignment(node) && isStatusName(node.name.getText(sf))) {
      found(node.initializer, node);
    }
    // x.status === 1, Number(m.m_status) !== 1
    if (ts.isBinaryExpression(node) && COMPARISONS.has(node.operatorToken.kind)) {
      if (readsStatus(node.left)) found(node.right, node);
      if (readsStatus(node.right)) found(node.left, node);
    }
    // switch (x.status) { case 'pending': ... }
    if (ts.isSwitchStatement(node) && readsStatus(node.expression)) {
      for (const c of node.caseBlock.clauses) if (ts.isCaseClause(c)) found(c.expression, c);
    }
    // .where('m.status', '=', 2), .set('status', ...)
    if (ts.isCallExpression(node) && node.arguments.length >= 3) {
      const [column, , value] = node.arguments;
      if (column && ts.isStringLiteralLike(column) && isStatusName(column.text))
        found(value!, node);
    }
    // ['pending', 'sent', 'failed']: a list of statuses written out
    if (ts.isArrayLiteralExpression(node) && node.elements.length > 1) {
      const all = node.elements.every((e) => {
        const v = literalValue(e);
        return v !== undefined && typeof v === 'string' && values.has(v);
      });
      if (all) for (const e of node.elements) found(e, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
