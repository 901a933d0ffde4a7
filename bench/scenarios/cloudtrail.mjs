// `cloudtrail`: CloudTrail's LookupEvents (JSON 1.1, signed for the cloudtrail service), a page
// of 50 events matching one lookup attribute within a 7-day time range, over a trail of 1M
// audit records (30 days, 20 keys and owners, 12 operations, 200 networks). The records are
// seeded through the trail's own row builder (the package's seedAuditRecords).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { seedAuditRecords, Signer } from 'wickr-admin-server';
import { log } from '../lib/bench-run.mjs';
import { ACCOUNT_ID, CREDENTIALS, REGION } from '../lib/client.mjs';
import { requestSource } from '../lib/load.mjs';
import { sizeLabel } from '../lib/report.mjs';
import { TMP } from '../lib/seed.mjs';

const RECORDS = Number(process.env.WICKR_BENCH_AUDIT_RECORDS || 1_000_000);
const DAY = 86_400_000;
const SPAN = 30 * DAY;
// Recent: the retention purge (90 days by default) runs when the server starts.
const NOW = Math.floor(Date.now() / DAY) * DAY;
const OPS = [
  'CreateNetwork',
  'UpdateNetwork',
  'BatchCreateUser',
  'BatchReinviteUser',
  'UpdateUser',
  'BatchDeleteUser',
  'CreateSecurityGroup',
  'UpdateSecurityGroup',
  'CreateBot',
  'UpdateGuestUser',
  'SignIn',
  'Register',
];
const keyOf = (i) => `AKIAAUDITBENCH${String(i % 20).padStart(6, '0')}`;
const networkOf = (i) => String(10_000_000 + (i % 200));

/** The i-th record: oldest first, evenly over 30 days. */
function entry(i) {
  const op = OPS[(i * 7) % OPS.length];
  return {
    at: NOW - SPAN + Math.floor((i / RECORDS) * SPAN),
    source: op === 'Register' ? 'invitee' : op === 'SignIn' ? 'console' : 'admin-api',
    operation: op,
    outcome: i % 50 === 0 ? 'refused' : 'success',
    status: i % 50 === 0 ? 403 : 200,
    requestId: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    accessKeyId: keyOf(i),
    accountId: ACCOUNT_ID,
    region: REGION,
    sourceIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    userAgent: 'aws-cli/2.15.0 bench',
    networkId: networkOf(i),
    userName: `user${i % 20}`,
    parameters: { networkId: networkOf(i), networkName: `net-${i % 200}` },
    response: { networkId: networkOf(i) },
    ...(i % 50 === 0 ? { errorName: 'ForbiddenError', errorMessage: 'not authorized' } : {}),
  };
}

async function trailOf(run, engine) {
  const started = performance.now();
  let url;
  if (engine === 'sqlite') {
    const file = join(TMP, `audit-${RECORDS}.db`);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    url = `sqlite:${file}`;
  } else {
    const pg = await run.postgres();
    const { createTestDatabase } = await import('../../test/support/postgres.mjs');
    url = (await createTestDatabase(pg.url)).url;
  }
  await seedAuditRecords(url, RECORDS, entry, {
    chunk: engine === 'sqlite' ? 50_000 : 20_000,
    onProgress: (n) => n % 200_000 === 0 && log(`seeding ${engine} audit trail: ${n} records`),
  });
  log(
    `seeded ${engine} ${sizeLabel(RECORDS)} audit records in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { engine, url };
}

const TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

async function cloudtrailScenario(run, engine) {
  const trail = await trailOf(run, engine);
  const r = await run.withServer(trail, async (server) => {
    const host = new URL(server.endpoint).host;
    const signer = new Signer(CREDENTIALS, REGION, 'cloudtrail');
    const attributes = [
      (i) => ({ AttributeKey: 'EventName', AttributeValue: OPS[i % OPS.length] }),
      (i) => ({ AttributeKey: 'Username', AttributeValue: `user${i % 20}` }),
      (i) => ({ AttributeKey: 'AccessKeyId', AttributeValue: keyOf(i) }),
      (i) => ({ AttributeKey: 'ResourceName', AttributeValue: networkOf(i) }),
    ];
    const make = (i) => {
      // A 7-day window ending somewhere in the last 3 weeks of the trail.
      const end = NOW - ((i * 3) % 21) * DAY;
      const body = JSON.stringify({
        LookupAttributes: [attributes[i % attributes.length](Math.floor(i / attributes.length))],
        StartTime: (end - 7 * DAY) / 1000,
        EndTime: end / 1000,
        MaxResults: 50,
      });
      const headers = signer.sign({
        method: 'POST',
        url: '/',
        host,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET },
        body,
      });
      return { method: 'POST', path: '/', headers, body };
    };
    const source = requestSource(make, { prepared: 400 });
    // Two clients at once: a SIEM's poller and an administrator's lookup (not a saturating
    // load: the target is how long a page takes to answer).
    return run.measure(`cloudtrail ${engine} ${sizeLabel(RECORDS)}`, server, source, {
      connections: run.conns(2),
      check: (out) => {
        if (out.Events?.length !== 50)
          throw new Error(`LookupEvents returned ${out.Events?.length} events, not 50`);
      },
    });
  });
  run.record({
    scenario: 'cloudtrail',
    operation: 'LookupEvents',
    engine,
    size: RECORDS,
    ...r,
    other: '50 events, one attribute, a 7-day range',
  });
}

export default {
  name: 'cloudtrail',
  plan: () => [RECORDS],
  run: cloudtrailScenario,
  targets(find) {
    return ['sqlite', 'postgres'].map((engine) => {
      const m = find('cloudtrail', engine, RECORDS);
      return {
        name: `LookupEvents (CloudTrail), 50 events, one attribute, a time range, ${sizeLabel(RECORDS)} audit records, ${engine}, ${m?.connections ?? 2} connections`,
        goal: 'p99 ≤ 50 ms',
        actual: m
          ? `p99 ${m.p99.toFixed(2)} ms (p50 ${m.p50.toFixed(2)} ms); ${m.errors} errors`
          : 'not run',
        met: m ? m.p99 <= 50 && m.errors === 0 : undefined,
      };
    });
  },
};
