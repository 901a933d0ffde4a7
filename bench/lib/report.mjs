// Results as a table on stdout, a Markdown report and an SVG chart of latency against size.

const fmt = (v, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v)
    ? '–'
    : Number(v).toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });
const ms = (v) => (v === undefined || Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const mb = (bytes) => (bytes ? (bytes / 1048576).toFixed(0) : '–');
export const sizeLabel = (n) =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);

/** Rows of the figures table: one per measured scenario instance. */
export function tableRows(results) {
  return results.map((r) => ({
    scenario: r.scenario,
    engine: r.engine,
    size: r.size ? sizeLabel(r.size) : '–',
    conns: r.connections ?? '–',
    'req/s': r.rps !== undefined ? fmt(r.rps) : '–',
    'ceiling req/s': r.ceilingRps !== undefined ? fmt(r.ceilingRps) : '–',
    ratio: r.ratio !== undefined ? r.ratio.toFixed(2) : '–',
    'p50 ms': ms(r.p50),
    'p99 ms': ms(r.p99),
    errors: r.errors ?? '–',
    'peak RSS MB': mb(r.peakRss),
    'CPU µs/req': r.cpuUsPerRequest !== undefined ? fmt(r.cpuUsPerRequest) : '–',
    other: r.other ?? '',
  }));
}

export function textTable(rows) {
  if (rows.length === 0) return '(no results)';
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join('  ');
  return [
    line(cols),
    line(width.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => r[c]))),
  ].join('\n');
}

export function markdownTable(rows) {
  if (rows.length === 0) return '(no results)';
  const cols = Object.keys(rows[0]);
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [
    `| ${cols.join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => esc(r[c])).join(' | ')} |`),
  ].join('\n');
}

export function targetLines(targets) {
  return targets.map(
    (t) =>
      `${t.met === true ? 'MET   ' : t.met === false ? 'MISSED' : 'n/a   '}  ${t.name}: ${t.goal} — ${t.actual}`,
  );
}

export function markdownReport({ meta, results, targets, chartFile, notes, comparison }) {
  const rows = tableRows(results);
  const mark = (t) => (t.met === true ? '✅ met' : t.met === false ? '❌ missed' : '– n/a');
  return [
    `# Benchmark report`,
    '',
    `${meta.date} · ${meta.git ? `commit ${meta.git} · ` : ''}${meta.cpus} × ${meta.cpuModel} · ${meta.memGiB} GiB · Node ${meta.node}`,
    '',
    `Command: \`${meta.command}\` (duration ${meta.duration} s per run, ${meta.repeats} repeat(s), medians shown, warm-up ${meta.warmup} s).`,
    '',
    'Every throughput is shown next to the ceiling measured in the same run: a bare `node:http` ' +
      'server (bench/ceiling-server.mjs) in its own process that reads the same request bodies and ' +
      'answers with the recorded response bytes of the same scenario, driven by the same autocannon ' +
      'settings and the same pre-signed requests. Latencies are per request as seen by autocannon; ' +
      "errors count connection errors, timeouts and non-2xx answers; peak RSS is the server's VmHWM; " +
      "CPU µs/req is the server process's user+system CPU time divided by the requests it answered.",
    '',
    '## Targets',
    '',
    '| target | goal | measured | result |',
    '| --- | --- | --- | --- |',
    ...targets.map((t) => `| ${t.name} | ${t.goal} | ${t.actual} | ${mark(t)} |`),
    '',
    ...referenceSection(results),
    '## Figures',
    '',
    markdownTable(rows),
    '',
    ...(chartFile
      ? [
          '## Latency against network size',
          '',
          `![BatchLookupUserUname latency against network size](${chartFile})`,
          '',
        ]
      : []),
    ...(comparison
      ? [
          '## Before and after the performance changes',
          '',
          comparison.intro,
          '',
          comparisonTable(comparison.before, results),
          '',
        ]
      : []),
    ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

/**
 * BatchLookupUserUname next to what it is judged against, per engine: the ceiling (recorded
 * bytes), the lookup-minimal reference (the minimal real work on bare node:http) and the server,
 * all measured in the same rounds with the same requests.
 */
function referenceSection(results) {
  const measured = results.filter((r) => r.scenario === 'lookup' && r.reference);
  if (measured.length === 0) return [];
  const rows = [];
  for (const r of measured) {
    const row = (server, f) => ({
      engine: r.engine,
      size: sizeLabel(r.size),
      server,
      'req/s': fmt(f.rps),
      'ratio to ceiling': f.ratio.toFixed(2),
      'p50 ms': ms(f.p50),
      'p99 ms': ms(f.p99),
      'CPU µs/req': fmt(f.cpu),
      'CPU vs reference': f.vsRef,
    });
    rows.push(
      row('ceiling (recorded answer)', {
        rps: r.ceilingRps,
        ratio: 1,
        p50: r.ceilingP50,
        p99: r.ceilingP99,
        cpu: r.ceilingCpuUsPerRequest,
        vsRef: (r.ceilingCpuUsPerRequest / r.reference.cpuUsPerRequest).toFixed(2),
      }),
      row('lookup-minimal reference', {
        ...r.reference,
        cpu: r.reference.cpuUsPerRequest,
        vsRef: '1.00',
      }),
      row('wickr-admin', {
        ...r,
        cpu: r.cpuUsPerRequest,
        vsRef: r.cpuVsReference.toFixed(2),
      }),
    );
  }
  return [
    '## BatchLookupUserUname: ceiling, reference and ours',
    '',
    'The same pre-signed requests, 32 connections, in the same interleaved rounds (medians; "CPU vs ' +
      'reference" is the median of the per-round ratios). The reference, ' +
      '`bench/lookup-minimal-server.mjs`, does the minimal real work of the operation on bare ' +
      '`node:http`: read the body, `JSON.parse`, full SigV4 verification with a cached signing key, ' +
      'the lookups in a `Map` of the network, `JSON.stringify`, one `res.end()`; its answers are the ' +
      "server's bytes. Where the server's time goes: [../PERFORMANCE.md](../PERFORMANCE.md).",
    '',
    markdownTable(rows),
    '',
  ];
}

/** A hand-written SVG line chart: lookup p50/p99 (and ListUsers p99) against size, log x. */
export function latencyChart(results) {
  const series = [];
  const colors = { sqlite: '#1f77b4', postgres: '#d62728' };
  for (const engine of ['sqlite', 'postgres']) {
    const pts = results
      .filter((r) => r.scenario === 'lookup' && r.engine === engine && r.p50 !== undefined)
      .sort((a, b) => a.size - b.size);
    if (pts.length === 0) continue;
    series.push({
      label: `${engine} p50`,
      color: colors[engine],
      dash: '',
      pts: pts.map((r) => [r.size, r.p50]),
    });
    series.push({
      label: `${engine} p99`,
      color: colors[engine],
      dash: '6 4',
      pts: pts.map((r) => [r.size, r.p99]),
    });
  }
  if (series.length === 0) return undefined;
  const conns = results.find((r) => r.scenario === 'lookup')?.connections ?? 32;
  const W = 640;
  const H = 380;
  const m = { l: 64, r: 170, t: 48, b: 56 };
  const xs = series.flatMap((s) => s.pts.map((p) => p[0]));
  const ys = series.flatMap((s) => s.pts.map((p) => p[1]));
  let x0 = Math.log10(Math.min(...xs));
  let x1 = Math.log10(Math.max(...xs));
  if (x1 - x0 < 1) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  const yMax = niceCeil(Math.max(...ys) * 1.1);
  const px = (x) => m.l + ((Math.log10(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y) => H - m.b - (y / yMax) * (H - m.t - m.b);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<text x="12" y="20" font-size="14" font-weight="bold">BatchLookupUserUname latency against network size</text>`,
    `<text x="12" y="34" fill="#555">50 unames a request, all found; ${conns} connections; medians of the runs</text>`,
  );
  for (let k = 0; k <= 5; k++) {
    const y = (yMax * k) / 5;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 8}" y="${py(y) + 4}" text-anchor="end">${+y.toFixed(2)}</text>`);
  }
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  for (const x of ticks) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${m.t}" y2="${H - m.b}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px(x)}" y="${H - m.b + 18}" text-anchor="middle">${sizeLabel(x)}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`);
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`);
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">users in the network (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
  );
  series.forEach((s, i) => {
    const d = s.pts
      .map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(' ');
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    for (const p of s.pts)
      out.push(
        `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${s.color}"/>`,
      );
    const ly = m.t + 10 + i * 20;
    out.push(
      `<line x1="${W - m.r + 16}" x2="${W - m.r + 46}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(`<text x="${W - m.r + 52}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

/** A Markdown table comparing two runs' results, matched by scenario, engine and size. */
export function comparisonTable(before, after) {
  const key = (r) => `${r.scenario}|${r.engine}|${r.size}`;
  const old = new Map(before.map((r) => [key(r), r]));
  const pair = (a, b, f) => `${a === undefined ? '–' : f(a)} → ${b === undefined ? '–' : f(b)}`;
  const n0 = (v) => fmt(v);
  const rows = [];
  for (const r of after) {
    const b = old.get(key(r));
    if (!b) continue;
    const main =
      r.scenario === 'start'
        ? ['listening ms', pair(b.startMs, r.startMs, n0)]
        : r.scenario === 'import'
          ? ['seconds', pair(b.seconds, r.seconds, (v) => v.toFixed(1))]
          : r.usersPerSec !== undefined
            ? ['users/s', pair(b.usersPerSec, r.usersPerSec, n0)]
            : ['req/s', pair(b.rps, r.rps, n0)];
    rows.push({
      scenario: r.scenario,
      engine: r.engine,
      size: r.size ? sizeLabel(r.size) : '–',
      figure: main[0],
      'before → after': main[1],
      'ratio to ceiling': r.ratio !== undefined ? pair(b.ratio, r.ratio, (v) => v.toFixed(2)) : '–',
      'p50 ms': r.p50 !== undefined ? pair(b.p50, r.p50, ms) : '–',
      'p99 ms': r.p99 !== undefined ? pair(b.p99, r.p99, ms) : '–',
      'server CPU µs/req':
        r.cpuUsPerRequest !== undefined ? pair(b.cpuUsPerRequest, r.cpuUsPerRequest, n0) : '–',
      'peak RSS MB': pair(b.peakRss, r.peakRss, mb),
    });
  }
  return markdownTable(rows);
}
