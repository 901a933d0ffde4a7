// `lookup`: BatchLookupUserUname with 50 unames that all resolve, on each size and engine.
// Also the engine of `lookup-cold` and `lookup-floor` (variants of the same requests).
import { join } from 'node:path';
import { unameOf } from 'wickr-admin-server';
import { BATCH, fineRounds, primaryOf, rng } from '../lib/bench-run.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { query, seededUser, TMP } from '../lib/seed.mjs';
import { ROOT, startServer } from '../lib/server.mjs';
import { benchClient, CREDENTIALS } from '../lib/client.mjs';
import { startBare } from '../lib/ceiling.mjs';

const OTHER = {
  cold: '50 hits a request; uname cache off: every uname read from the database',
  floor: 'the same requests; the handler answers at once: the cost of the API before any work',
  '': '50 hits a request; 50,000 distinct unames, all in the uname cache after the warm-up',
};

/** Pre-signed lookups of 50 distinct seeded users of `net`, for the server at `endpoint`. */
export function lookupSource(net, size, endpoint) {
  const client = benchClient(endpoint);
  const rand = rng(size);
  const make = () => {
    const picked = new Set();
    while (picked.size < BATCH) picked.add(Math.floor(rand() * size));
    const unames = [...picked].map((i) => unameOf(net.unameKey, seededUser(i).username));
    return client.sign('BatchLookupUserUname', { networkId: net.networkId, unames });
  };
  return requestSource(make, { prepared: 1000 });
}

/** Every uname of a lookup resolves (the answer recorded for the ceiling). */
export function checkLookup(out) {
  if (out.successful?.length !== BATCH)
    throw new Error(`lookup resolved ${out.successful?.length} of ${BATCH}`);
}

/**
 * The server on the network of another size, with its own requests: the largest size is
 * measured against the smallest in the same rounds (turn about), so that the p50 ratio of the
 * two sizes is not a drift of the machine's load between two runs minutes apart.
 */
function otherSize(run, engine, size) {
  return async () => {
    const net = await run.network(engine, size);
    const server = await startServer(net.url, { env: run.logEnv(), script: run.serverCli });
    return {
      pid: server.pid,
      url: server.endpoint,
      source: lookupSource(net, size, server.endpoint),
      stop: () => server.stop(),
    };
  };
}

/**
 * Variants of the same requests: `cold`, the server's uname cache off
 * (WICKR_UNAME_CACHE_ENTRIES=0), so every uname is read from the database (what a working set
 * larger than the cache costs); `floor`, bench/floor-server.mjs, whose lookup handler answers at
 * once (what the API costs before any work). With `reference`, the lookup-minimal reference
 * (bench/lookup-minimal-server.mjs) answers the same requests in the same rounds.
 */
export async function lookupScenario(
  run,
  engine,
  size,
  variant = '',
  { reference = false, against = undefined } = {},
) {
  const name = variant ? `lookup-${variant}` : 'lookup';
  const net = await run.network(engine, size);
  // With --profile, the reference is profiled too (its file is listed after the server's).
  const profileDir = join(TMP, 'profiles');
  const startReference = reference
    ? async () =>
        startBare(
          'lookup-minimal-server.mjs',
          `lookup-minimal-${engine}-${size}`,
          {
            accessKeyId: CREDENTIALS.accessKeyId,
            secretAccessKey: CREDENTIALS.secretAccessKey,
            networkId: net.networkId,
            members: (
              await query(net, 'SELECT uname, username FROM members WHERE network_id = $1', [
                net.networkId,
              ])
            ).map((r) => [r.uname, r.username]),
          },
          run.settings.profile
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${profileDir}`,
                '--cpu-prof-name=lookup-minimal.cpuprofile',
              ]
            : [],
        )
    : undefined;
  const r = await run.withServer(
    net,
    async (server) => {
      const source = lookupSource(net, size, server.endpoint);
      const m = await run.measure(`${name} ${engine} ${sizeLabel(size)}`, server, source, {
        connections: run.conns(32),
        check: checkLookup,
        ...(startReference ? { reference: startReference, ...fineRounds(run) } : {}),
        ...(against ? { reference: otherSize(run, engine, against), ...fineRounds(run) } : {}),
      });
      return { ...m, peakRss: server.memory()?.hwm };
    },
    variant === 'cold' ? { WICKR_UNAME_CACHE_ENTRIES: '0' } : {},
    variant === 'floor' ? join(ROOT, 'bench', 'floor-server.mjs') : undefined,
  );
  // With `against`, the other size's figures are kept apart: `reference` is the lookup-minimal
  // one's.
  const { reference: other, p50VsReference, cpuVsReference, rpsVsReference, ...own } = r;
  run.record({
    scenario: name,
    operation: 'BatchLookupUserUname',
    engine,
    size,
    ...(against
      ? {
          ...own,
          against: {
            size: against,
            ...other,
            p50Ratio: p50VsReference,
            cpuRatio: cpuVsReference,
            rpsRatio: rpsVsReference,
          },
        }
      : r),
    other:
      OTHER[variant] +
      (against
        ? `; in the same rounds as ${sizeLabel(against)} users: p50 ${p50VsReference.toFixed(2)} ×` +
          ` (${r.p50.toFixed(2)} vs ${other.p50.toFixed(2)} ms)`
        : r.reference
          ? `; CPU ${r.cpuVsReference.toFixed(2)} × the lookup-minimal reference's`
          : ''),
  });
  if (r.reference && !against) {
    run.record({
      scenario: 'lookup-minimal',
      operation: 'BatchLookupUserUname',
      engine,
      size,
      connections: r.connections,
      ...r.reference,
      ceilingRps: r.ceilingRps,
      other:
        'the reference: the minimal real work on bare node:http (bench/lookup-minimal-server.mjs), same requests and answers, in the same rounds',
    });
  }
}

/** Sizes at which the lookup also runs the lookup-minimal reference: the primary one. */
export const referenceSize = (run, engine) => primaryOf(run.sizesFor(engine));

export default {
  name: 'lookup',
  plan: (run, engine) => run.sizesFor(engine),
  run: (run, engine, size) => {
    const sizes = run.sizesFor(engine);
    return lookupScenario(run, engine, size, '', {
      reference:
        run.settings.scenarios?.includes('lookup-minimal') && size === referenceSize(run, engine),
      // The p50 target's two sizes (SQLite's), in the same rounds.
      against:
        engine === 'sqlite' && sizes.length > 1 && size === sizes[sizes.length - 1]
          ? sizes[0]
          : undefined,
    });
  },
  targets(find, run) {
    const { sizes } = run.settings;
    const t = [];
    const P = primaryOf(sizes);
    const lk = find('lookup', 'sqlite', P);
    const ref = lk?.reference;
    t.push({
      name: `BatchLookupUserUname, SQLite, ${sizeLabel(P)} users, ${lk?.connections ?? 32} connections`,
      goal: "CPU per request ≤ 1.0 × the lookup-minimal reference's; ≥ 0.35 × ceiling; p99 ≤ 10 ms; 0 errors",
      actual: lk
        ? `CPU ${lk.cpuUsPerRequest.toFixed(0)} µs/req` +
          (ref
            ? ` = ${lk.cpuVsReference.toFixed(2)} × the reference's (${ref.cpuUsPerRequest.toFixed(0)} µs)`
            : ' (reference not run)') +
          `; ${lk.ratio.toFixed(2)} × ceiling (${lk.rps.toFixed(0)} / ${lk.ceilingRps.toFixed(0)} req/s); p99 ${lk.p99.toFixed(2)} ms; ${lk.errors} errors`
        : 'not run',
      met:
        lk && ref
          ? lk.cpuVsReference <= 1.0 && lk.ratio >= 0.35 && lk.p99 <= 10 && lk.errors === 0
          : undefined,
    });
    const PP = primaryOf(run.settings.pgSizes);
    const lp = find('lookup', 'postgres', PP);
    t.push({
      name: `BatchLookupUserUname, PostgreSQL, ${sizeLabel(PP)} users`,
      goal: "≥ 0.30 × ceiling; CPU per request ≤ 1.0 × the lookup-minimal reference's; 0 errors",
      actual: lp
        ? `${lp.ratio.toFixed(2)} × ceiling (${lp.rps.toFixed(0)} / ${lp.ceilingRps.toFixed(0)} req/s); ${lp.errors} errors` +
          (lp.reference
            ? `; CPU ${lp.cpuVsReference.toFixed(2)} × the reference's (${lp.cpuUsPerRequest.toFixed(0)} vs ${lp.reference.cpuUsPerRequest.toFixed(0)} µs)`
            : '')
        : 'not run',
      met:
        lp && lp.reference
          ? lp.ratio >= 0.3 && lp.cpuVsReference <= 1.0 && lp.errors === 0
          : undefined,
    });
    const small = find('lookup', 'sqlite', sizes[0]);
    const big = find('lookup', 'sqlite', sizes[sizes.length - 1]);
    // Measured in the same rounds (big.against); a report of an older run has only the two
    // separate runs' medians.
    const same = big?.against?.size === sizes[0] ? big.against : undefined;
    const ratio = same ? same.p50Ratio : small && big && small !== big ? big.p50 / small.p50 : NaN;
    t.push({
      name: `BatchLookupUserUname p50 at ${sizeLabel(sizes[sizes.length - 1])} vs ${sizeLabel(sizes[0])} users`,
      goal: '≤ 1.1 ×, the two sizes in the same rounds',
      actual: Number.isNaN(ratio)
        ? 'not run'
        : same
          ? `${ratio.toFixed(2)} × in the same rounds (${big.p50.toFixed(2)} vs ${same.p50.toFixed(2)} ms); ` +
            `${(big.p50 / small.p50).toFixed(2)} × between the two sizes' own runs (${big.p50.toFixed(2)} vs ${small.p50.toFixed(2)} ms)`
          : `${ratio.toFixed(2)} × (${big.p50.toFixed(2)} vs ${small.p50.toFixed(2)} ms), separate runs`,
      met: Number.isNaN(ratio) ? undefined : ratio <= 1.1,
    });
    return t;
  },
};
