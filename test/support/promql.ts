/**
 * A small PromQL evaluator for the alert-rule tests: no JavaScript package evaluates PromQL,
 * and there is no Prometheus binary in CI. Expressions are parsed by the Prometheus project's
 * own grammar (@prometheus-io/lezer-promql), so a rule that is not valid PromQL fails here as
 * it would in Prometheus; the evaluator then supports a documented subset and throws on any
 * other construct, so a rule outside the subset cannot pass unchecked.
 *
 * The subset (docs/operations.md, "Metrics and alerts"):
 * - instant selectors with `=`, `!=`, `=~`, `!~` matchers (regexes anchored, as in Prometheus);
 *   a series is the sample of the latest scrape (a series missing from it is stale);
 * - `rate(v[d])` and `increase(v[d])` over the samples scraped in the window (at least two;
 *   counter resets handled). Prometheus also extrapolates to the window's edges: that scales
 *   a value, never its sign, nor the ratio of two rates over the same window;
 * - `sum`, `max`, `min` with `by (...)` or `without (...)`;
 * - `+ - * /` between a vector and a scalar, or two vectors whose label sets match one to one;
 * - comparisons (`> < >= <= == !=`) against a scalar, which keep the samples that pass;
 * - parentheses and number literals.
 * Alerts' `for:` is Prometheus' to apply over wall time: the test checks each condition.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { Sample } from './prometheus.js';

/** One scrape's samples (labels include `job` and `instance`, as Prometheus adds them). */
export interface Scrape {
  at: number;
  samples: Sample[];
}

export interface Series {
  labels: Record<string, string>;
  value: number;
}

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];
type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; series: Series[] };

/** Parses with Prometheus' grammar; throws with the position of the first syntax error. */
export function parsePromql(expr: string): SyntaxNode {
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        throw new Error(`not valid PromQL at ${node.from}: ${expr.slice(0, node.from)} ⟨here⟩`);
    },
  });
  return tree.topNode;
}

/** The expression's result at the latest scrape of `history` (oldest first). */
export function evaluate(expr: string, history: Scrape[]): Series[] {
  const top = parsePromql(expr);
  const v = evalNode(only(top), expr, history);
  if (v.kind !== 'vector') throw new Error(`${expr}: an alert expression must be a vector`);
  return v.series;
}

const text = (node: SyntaxNode, src: string) => src.slice(node.from, node.to);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function only(node: SyntaxNode): SyntaxNode {
  const c = children(node);
  if (c.length !== 1) throw new Error(`expected one child of ${node.name}, found ${c.length}`);
  return c[0]!;
}

function unsupported(node: SyntaxNode, src: string): never {
  throw new Error(`PromQL outside the tested subset: ${node.name} in "${text(node, src)}"`);
}

function evalNode(node: SyntaxNode, src: string, history: Scrape[]): Value {
  switch (node.name) {
    case 'NumberDurationLiteral':
      return { kind: 'scalar', value: Number(text(node, src)) };
    case 'ParenExpr':
      return evalNode(only(node), src, history);
    case 'VectorSelector':
      return { kind: 'vector', series: select(node, src, history.at(-1)?.samples ?? []) };
    case 'FunctionCall':
      return { kind: 'vector', series: callFunction(node, src, history) };
    case 'AggregateExpr':
      return { kind: 'vector', series: aggregate(node, src, history) };
    case 'BinaryExpr':
      return binary(node, src, history);
    default:
      return unsupported(node, src);
  }
}

/** The samples a selector matches, without their metric name (as after any operation). */
function select(node: SyntaxNode, src: string, samples: Sample[]): Series[] {
  const name = node.getChild('Identifier');
  const matchers: ((labels: Record<string, string>) => boolean)[] = [];
  const list = node.getChild('LabelMatchers');
  for (const m of list ? children(list) : []) {
    if (m.name !== 'UnquotedLabelMatcher') unsupported(m, src);
    const label = text(m.getChild('LabelName')!, src);
    const op = text(m.getChild('MatchOp')!, src);
    const value = JSON.parse(text(m.getChild('StringLiteral')!, src)) as string;
    const re = new RegExp(`^(?:${value})$`);
    const test = (l: Record<string, string>) => {
      const v = l[label] ?? '';
      return op === '=' ? v === value : op === '!=' ? v !== value : re.test(v) === (op === '=~');
    };
    if (!['=', '!=', '=~', '!~'].includes(op)) unsupported(m, src);
    matchers.push(test);
  }
  if (!name) return unsupported(node, src);
  const metric = text(name, src);
  return samples
    .filter((s) => s.name === metric && matchers.every((m) => m(s.labels)))
    .map((s) => ({ labels: { ...s.labels }, value: s.value }));
}

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function callFunction(node: SyntaxNode, src: string, history: Scrape[]): Series[] {
  const fn = text(node.getChild('FunctionIdentifier')!, src);
  if (fn !== 'rate' && fn !== 'increase') return unsupported(node, src);
  const matrix = only(node.getChild('FunctionCallBody')!);
  if (matrix.name !== 'MatrixSelector') return unsupported(matrix, src);
  const d = DURATION.exec(text(matrix.getChild('DurationExpr')!, src));
  if (!d) return unsupported(matrix, src);
  const range = Number(d[1]) * UNIT_MS[d[2]!]!;
  const selector = matrix.getChild('VectorSelector')!;
  const end = history.at(-1)?.at ?? 0;
  const window = history.filter((h) => h.at > end - range);
  // Each series' points in the window, by its labels.
  const points = new Map<string, { labels: Record<string, string>; at: number; v: number }[]>();
  for (const scrape of window) {
    for (const s of select(selector, src, scrape.samples)) {
      const key = JSON.stringify(Object.entries(s.labels).sort());
      const list = points.get(key) ?? [];
      list.push({ labels: s.labels, at: scrape.at, v: s.value });
      points.set(key, list);
    }
  }
  const out: Series[] = [];
  for (const list of points.values()) {
    if (list.length < 2) continue;
    let increase = 0;
    for (let i = 1; i < list.length; i++) {
      const step = list[i]!.v - list[i - 1]!.v;
      increase += step >= 0 ? step : list[i]!.v; // a reset: the counter started again from 0
    }
    const seconds = (list.at(-1)!.at - list[0]!.at) / 1000;
    out.push({ labels: list[0]!.labels, value: fn === 'rate' ? increase / seconds : increase });
  }
  return out;
}

function aggregate(node: SyntaxNode, src: string, history: Scrape[]): Series[] {
  const op = text(node.getChild('AggregateOp')!, src);
  if (!['sum', 'max', 'min'].includes(op)) return unsupported(node, src);
  const modifier = node.getChild('AggregateModifier');
  const grouping = modifier
    ? children(modifier.getChild('GroupingLabels')!).map((l) => text(l, src))
    : [];
  const without = Boolean(modifier?.getChild('Without'));
  const inner = evalNode(only(node.getChild('FunctionCallBody')!), src, history);
  if (inner.kind !== 'vector') return unsupported(node, src);
  const groups = new Map<string, Series>();
  for (const s of inner.series) {
    const labels = Object.fromEntries(
      Object.entries(s.labels).filter(([k]) => grouping.includes(k) !== without),
    );
    const key = JSON.stringify(Object.entries(labels).sort());
    const g = groups.get(key);
    if (!g) groups.set(key, { labels, value: s.value });
    else
      g.value =
        op === 'sum'
          ? g.value + s.value
          : op === 'max'
            ? Math.max(g.value, s.value)
            : Math.min(g.value, s.value);
  }
  return [...groups.values()];
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};
const COMPARISON: Record<string, (a: number, b: number) => boolean> = {
  Gtr: (a, b) => a > b,
  Lss: (a, b) => a < b,
  Gte: (a, b) => a >= b,
  Lte: (a, b) => a <= b,
  Eql: (a, b) => a === b,
  Neq: (a, b) => a !== b,
};

function binary(node: SyntaxNode, src: string, history: Scrape[]): Value {
  const parts = children(node);
  if (parts.length !== 3) return unsupported(node, src); // bool, on(), ignoring(), group_*
  const [l, opNode, r] = parts as [SyntaxNode, SyntaxNode, SyntaxNode];
  const left = evalNode(l, src, history);
  const right = evalNode(r, src, history);
  const op = opNode.name;
  const compare = COMPARISON[op];
  if (compare) {
    if (left.kind !== 'vector' || right.kind !== 'scalar') return unsupported(node, src);
    return { kind: 'vector', series: left.series.filter((s) => compare(s.value, right.value)) };
  }
  const f = ARITHMETIC[op];
  if (!f) return unsupported(node, src);
  if (left.kind === 'scalar' && right.kind === 'scalar')
    return { kind: 'scalar', value: f(left.value, right.value) };
  if (left.kind === 'vector' && right.kind === 'scalar')
    return {
      kind: 'vector',
      series: left.series.map((s) => ({ ...s, value: f(s.value, right.value) })),
    };
  if (left.kind === 'scalar' && right.kind === 'vector')
    return {
      kind: 'vector',
      series: right.series.map((s) => ({ ...s, value: f(left.value, s.value) })),
    };
  if (left.kind !== 'vector' || right.kind !== 'vector') return unsupported(node, src);
  const key = (s: Series) => JSON.stringify(Object.entries(s.labels).sort());
  const byKey = new Map(right.series.map((s) => [key(s), s]));
  const series: Series[] = [];
  for (const s of left.series) {
    const other = byKey.get(key(s));
    if (other) series.push({ labels: s.labels, value: f(s.value, other.value) });
  }
  return { kind: 'vector', series };
}
