/**
 * `wickr-admin audit list`: the audit trail, from the database or from a running server (its
 * signed read, or its test controls).
 */
import type { Command } from 'commander';
import {
  AUDIT_READ_PATH,
  MAX_PAGE,
  listAudit,
  parseTime,
  type AuditFilter,
  type AuditRecord,
} from '../../audit/list.js';
import { configFromEnv } from '../../config.js';
import { openStore } from '../../store/database.js';
import {
  DEFAULT_PROFILE,
  DEFAULT_REGION,
  resolveConnection,
  type ConnectionFlags,
} from '../../client/credentials.js';
import { signRequest } from '../../client/signer.js';

interface ListOptions extends ConnectionFlags {
  testControls?: boolean;
  network?: string;
  operation?: string;
  key?: string;
  since?: string;
  until?: string;
  limit?: number;
  format: string;
  database?: string;
  endpoint?: string;
  token?: string;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The audit trail of changes and refusals');
  audit
    .command('list')
    .description('List audit records, newest first')
    .option('--network <id>', 'only this network')
    .option('--operation <name>', 'only this operation (e.g. CreateNetwork)')
    .option('--key <accessKeyId>', 'only calls signed with this access key')
    .option('--since <time>', 'from this time: ISO 8601, epoch ms, or an age such as 15m, 2h, 7d')
    .option('--until <time>', 'before this time (same forms)')
    .option('--limit <n>', 'at most this many (default 1000)', (v) => Number(v))
    .option('--format <format>', 'table or json', 'table')
    .option(
      '--database <url>',
      'read this database (env WICKR_DATABASE_URL, default sqlite:./data/wickr.db)',
    )
    .option(
      '--endpoint <url>',
      `read a running server (a SigV4-signed GET ${AUDIT_READ_PATH}) instead of a database`,
    )
    .option('--region <region>', `signing region (env AWS_REGION, default ${DEFAULT_REGION})`)
    .option(
      '--profile <name>',
      `profile in the AWS credentials file (env AWS_PROFILE, default ${DEFAULT_PROFILE})`,
    )
    .option('--access-key-id <id>', 'access key ID (env AWS_ACCESS_KEY_ID)')
    .option('--secret-access-key <secret>', 'secret access key (env AWS_SECRET_ACCESS_KEY)')
    .option(
      '--test-controls',
      "with --endpoint: read the server's test controls (GET /_wickr/audit), unsigned",
    )
    .option(
      '--token <token>',
      'bearer token of the test controls (env WICKR_TEST_CONTROLS_TOKEN); implies --test-controls',
    )
    .action(async (opts: ListOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json') {
        throw new Error('--format must be table or json');
      }
      if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
        throw new Error('--limit must be a positive integer');
      }
      const records = !opts.endpoint
        ? await fromDatabase(opts)
        : opts.testControls || opts.token
          ? await fromControls(opts)
          : await fromSignedRead(opts);
      process.stdout.write(
        opts.format === 'json' ? `${JSON.stringify(records, null, 2)}\n` : table(records),
      );
    });
}

async function fromDatabase(opts: ListOptions): Promise<AuditRecord[]> {
  const now = Date.now();
  const filter: AuditFilter = {
    ...(opts.network ? { networkId: opts.network } : {}),
    ...(opts.operation ? { operation: opts.operation } : {}),
    ...(opts.key ? { accessKeyId: opts.key } : {}),
    ...(opts.since ? { since: parseTime(opts.since, now) } : {}),
    ...(opts.until ? { until: parseTime(opts.until, now) } : {}),
    ...(opts.limit ? { limit: opts.limit } : {}),
  };
  const store = await openStore(opts.database ?? configFromEnv().databaseUrl);
  try {
    return await listAudit(store.db, filter);
  } finally {
    await store.close();
  }
}

/** The filters as the server's query (times as given: the server reads them on its clock). */
function queryOf(opts: ListOptions): URLSearchParams {
  const q = new URLSearchParams();
  const add = (k: string, v: string | number | undefined) => {
    if (v !== undefined) q.set(k, String(v));
  };
  add('network', opts.network);
  add('operation', opts.operation);
  add('key', opts.key);
  add('since', opts.since);
  add('until', opts.until);
  add('limit', opts.limit);
  return q;
}

async function fromControls(opts: ListOptions): Promise<AuditRecord[]> {
  const q = queryOf(opts);
  const token = opts.token ?? process.env['WICKR_TEST_CONTROLS_TOKEN'];
  const url = `${opts.endpoint!.replace(/\/$/, '')}/_wickr/audit?${q.toString()}`;
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const body = (await res.json()) as { records?: AuditRecord[]; message?: string };
  if (!res.ok) {
    throw new Error(
      res.status === 404
        ? `${opts.endpoint} serves no test controls (start it with --test-controls)`
        : `${res.status}: ${body.message ?? 'the server refused'}`,
    );
  }
  return body.records ?? [];
}

/** The signed read, page by page, up to --limit records (default 1000). */
async function fromSignedRead(opts: ListOptions): Promise<AuditRecord[]> {
  const c = resolveConnection(opts);
  const base = new URL(c.endpoint);
  const wanted = opts.limit ?? 1000;
  const records: AuditRecord[] = [];
  let nextToken: string | undefined;
  do {
    const q = queryOf({ ...opts, limit: Math.min(MAX_PAGE, wanted - records.length) });
    if (nextToken) q.set('nextToken', nextToken);
    // Percent-encoded as SigV4's canonical query expects (URLSearchParams writes a space as +).
    const query = q.toString().replace(/\+/g, '%20');
    const path = `${base.pathname.replace(/\/+$/, '')}${AUDIT_READ_PATH}?${query}`;
    const headers = signRequest({
      method: 'GET',
      url: path,
      host: base.host,
      body: '',
      credentials: c.credentials,
      region: c.region,
    });
    delete headers['host'];
    const res = await fetch(`${base.origin}${path}`, { headers });
    const body = (await res.json().catch(() => ({}))) as {
      records?: AuditRecord[];
      nextToken?: string;
      message?: string;
    };
    if (!res.ok) {
      throw new Error(
        res.status === 404
          ? `${c.endpoint} serves no signed audit read (GET ${AUDIT_READ_PATH})`
          : `${res.status} ${res.headers.get('x-amzn-errortype') ?? ''}: ${body.message ?? 'the server refused'} (credentials: ${c.credentialsSource})`,
      );
    }
    records.push(...(body.records ?? []));
    nextToken = body.nextToken;
  } while (nextToken && records.length < wanted);
  return records;
}

function table(records: AuditRecord[]): string {
  const head = [
    'TIME',
    'OUTCOME',
    'STATUS',
    'OPERATION',
    'NETWORK',
    'ACCESS KEY',
    'SOURCE',
    'ERROR',
  ];
  const rows = records.map((r) => [
    r.time,
    r.outcome,
    String(r.status),
    r.operation,
    r.networkId ?? '-',
    r.accessKeyId ?? '-',
    r.sourceIp ?? '-',
    r.errorName ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}
