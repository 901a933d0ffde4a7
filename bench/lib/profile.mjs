// Summarises a V8 .cpuprofile of the server: where its busy time went while serving, by
// function (self time), by package, and by call subtree (inclusive time). Idle time and
// start-up (module loading, route and validator compilation) are left out.
import { readFileSync } from 'node:fs';

const STARTUP =
  /^(startServer|evaluate|compileSourceTextModule|Module\._load|loadESM|runEntryPointWithESMLoader|runMain)$/;

function load(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map();
  const stackOf = (id) => {
    let s = stacks.get(id);
    if (!s) {
      s = [];
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) s.push(byId.get(cur));
      stacks.set(id, s);
    }
    return s;
  };
  const samples = [];
  let idle = 0;
  let startup = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const us = prof.timeDeltas[i] ?? 0;
    const stack = stackOf(prof.samples[i]);
    const top = stack[0].callFrame.functionName;
    if (top === '(idle)' || top === '(program)') idle += us;
    else if (stack.some((n) => STARTUP.test(n.callFrame.functionName))) startup += us;
    else samples.push([stack, us]);
  }
  const busy = samples.reduce((a, [, us]) => a + us, 0);
  return { samples, busy, idle, startup };
}

const where = (f) =>
  f.url
    ? f.url
        .replace(/^file:\/\//, '')
        .replace(/.*node_modules\//, 'nm/')
        .replace(/.*\/work\/main\//, '')
    : '(native)';
const label = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame)}:${n.callFrame.lineNumber + 1}`;

function table(map, total, top) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}

export function summarize(file, top = 25) {
  const { samples, busy, idle, startup } = load(file);
  const fn = new Map();
  const files = new Map();
  for (const [stack, us] of samples) {
    const k = label(stack[0]);
    fn.set(k, (fn.get(k) ?? 0) + us);
    const w = where(stack[0].callFrame);
    const pkg = w.startsWith('nm/')
      ? w
          .split('/')
          .slice(0, w.startsWith('nm/@') ? 3 : 2)
          .join('/')
      : w;
    files.set(pkg, (files.get(pkg) ?? 0) + us);
  }
  return {
    totalMs: busy / 1000,
    idleMs: idle / 1000,
    startupMs: startup / 1000,
    functions: table(fn, busy, top),
    files: table(files, busy, top),
  };
}

export function inclusive(file, top = 40) {
  const { samples, busy } = load(file);
  const incl = new Map();
  for (const [stack, us] of samples) {
    const seen = new Set();
    for (const n of stack) {
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  return table(incl, busy, top);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 30);
  const s = summarize(file, top);
  console.log(
    `busy ${s.totalMs.toFixed(0)} ms (idle ${s.idleMs.toFixed(0)} ms, start-up ${s.startupMs.toFixed(0)} ms left out)\n` +
      `--- self time by function\n${s.functions}\n--- by package\n${s.files}\n--- inclusive\n${inclusive(file, top)}`,
  );
}
