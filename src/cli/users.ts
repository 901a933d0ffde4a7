/**
 * `wickr-admin users import|suspend|delete`: bulk user administration from CSV files through
 * the signed Admin API, in batches of 50 (the API's batch limit), each with an idempotency
 * token derived from the file, so re-running after a crash never repeats a change.
 *
 * Exit codes: 0 every row succeeded, 2 some rows failed (each one is listed), 1 fatal error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import {
  AdminApiClient,
  AdminApiError,
  resolveConnection,
  DEFAULT_ENDPOINT,
  DEFAULT_PROFILE,
  DEFAULT_REGION,
  type ConnectionFlags,
  type Input,
} from './api-client.js';
import { parseCsvTable, type CsvTable } from './csv.js';

/** The documented maximum number of items in one batch request. */
export const CHUNK_SIZE = 50;
const MAX_USERNAME_LENGTH = 256;

// Header spellings (normalised: lowercase letters and digits) seen in admin-console habits.
const COLUMNS = {
  username: ['username', 'user', 'login'],
  email: ['email', 'emailaddress', 'useremail', 'mail'],
  firstName: ['firstname', 'givenname', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  securityGroupIds: [
    'securitygroupids',
    'securitygroupid',
    'securitygroups',
    'securitygroup',
    'groupids',
    'groupid',
    'groups',
    'group',
  ],
  inviteCode: ['invitecode'],
  inviteCodeTtl: ['invitecodettl', 'invitecodettldays', 'invitettl'],
  codeValidation: ['codevalidation'],
  userId: ['userid', 'id'],
} as const;
type Column = keyof typeof COLUMNS;

interface CommonOptions extends ConnectionFlags {
  network: string;
  progress: boolean;
  json?: boolean;
  dryRun?: boolean;
  delimiter?: string;
}

interface Failure {
  row: number;
  username?: string;
  userId?: string;
  field?: string;
  reason: string;
}

interface Success {
  row: number;
  username?: string;
  userId: string;
}

interface Skipped {
  row: number;
  username?: string;
  userId?: string;
  reason: string;
}

export function registerUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description('Bulk user administration from CSV files, through the signed Admin API');

  common(
    users
      .command('import')
      .description(
        'Create (invite) the users listed in a CSV file. Columns: username (or email), firstName, ' +
          'lastName, securityGroupIds (";" or "|" separated IDs or names; default: the network\'s ' +
          'default group), inviteCode, inviteCodeTtl, codeValidation',
      )
      .argument('<csv>', 'CSV file with a header row'),
  ).action(async (file: string, opts: CommonOptions) => {
    process.exitCode = await explained(importUsers(file, opts));
  });

  common(
    users
      .command('suspend')
      .description(
        'Suspend (or with --unsuspend, reinstate) the users listed in a CSV file (userId or username column)',
      )
      .requiredOption('--csv <file>', 'CSV file with a header row and a userId or username column')
      .option('--unsuspend', 'lift the suspension instead'),
  ).action(async (opts: CommonOptions & { csv: string; unsuspend?: boolean }) => {
    process.exitCode = await explained(
      toggleOrDelete(opts.unsuspend ? 'unsuspend' : 'suspend', opts.csv, opts),
    );
  });

  common(
    users
      .command('delete')
      .description('Delete the users listed in a CSV file (userId or username column)')
      .requiredOption('--csv <file>', 'CSV file with a header row and a userId or username column')
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)'),
  ).action(async (opts: CommonOptions & { csv: string; yes?: boolean }) => {
    process.exitCode = await explained(toggleOrDelete('delete', opts.csv, opts));
  });
}

/** Fatal API errors keep their modelled name, reasons and request ID in the one-line message. */
async function explained(run: Promise<number>): Promise<number> {
  try {
    return await run;
  } catch (err) {
    if (!(err instanceof AdminApiError)) throw err;
    const reasons = err.reasons?.length
      ? ` [${err.reasons.map((r) => `${r.field}: ${r.reason}`).join('; ')}]`
      : '';
    throw new Error(
      `${err.message}${reasons}${err.requestId ? ` (request ${err.requestId})` : ''}`,
    );
  }
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--network <id>', 'the network (8 digits)', (v) => {
      if (!/^[0-9]{8}$/.test(v)) throw new InvalidArgumentError('a network ID is 8 digits');
      return v;
    })
    .option('--dry-run', 'check the file (and read the network) without changing anything')
    .option('--no-progress', 'no progress bar (it is also off when stderr is not a terminal)')
    .option('--json', 'print the summary as JSON')
    .option('--delimiter <char>', 'field separator (default: guessed from the header: , ; or tab)')
    .option(
      '--endpoint <url>',
      `Admin API endpoint (env WICKR_ENDPOINT, default ${DEFAULT_ENDPOINT})`,
    )
    .option('--region <region>', `signing region (env AWS_REGION, default ${DEFAULT_REGION})`)
    .option(
      '--profile <name>',
      `profile in the AWS credentials file (env AWS_PROFILE, default ${DEFAULT_PROFILE})`,
    )
    .option('--access-key-id <id>', 'access key ID (env AWS_ACCESS_KEY_ID)')
    .option('--secret-access-key <secret>', 'secret access key (env AWS_SECRET_ACCESS_KEY)');
}

// ---------- import ----------

type CreateItem = Input<'BatchCreateUser'>['users'][number];

async function importUsers(file: string, opts: CommonOptions): Promise<number> {
  const { table, fileHash } = readTable(file, opts);
  const cols = findColumns(table);
  if (!cols.username && !cols.email) {
    throw new Error(
      `${file} needs a username (or email) column; its columns are: ${table.header.join(', ')}`,
    );
  }
  warnUnknownColumns(table, cols);
  const client = new AdminApiClient(resolveConnection(opts));

  // Read-only, also in a dry run: the default group, group names, and whether the network exists.
  let groups: { id: string; name: string; isDefault: boolean }[] | undefined;
  try {
    groups = (await client.listSecurityGroups(opts.network)) ?? [];
  } catch (err) {
    // A key allowed BatchCreateUser but not ListSecurityGroups can still import rows that
    // name their groups by ID.
    if (!(err instanceof AdminApiError) || err.errorType !== 'ForbiddenError') throw err;
    process.stderr.write(
      `wickr-admin: cannot list security groups (${err.message}); rows must give group IDs\n`,
    );
  }
  const defaultGroup = groups?.find((g) => g.isDefault);
  const groupIds = new Set((groups ?? []).map((g) => g.id));
  const byName = new Map<string, string[]>();
  for (const g of groups ?? [])
    byName.set(g.name.toLowerCase(), [...(byName.get(g.name.toLowerCase()) ?? []), g.id]);
  const resolveGroup = (ref: string) => {
    if (groupIds.has(ref)) return ref;
    const named = byName.get(ref.toLowerCase());
    // A name is a convenience; an unknown or ambiguous one is sent as-is for the API to reject.
    return named?.length === 1 ? named[0]! : ref;
  };

  const failures: Failure[] = [];
  const seen = new Map<string, number>();
  const rows: { row: number; item: CreateItem }[] = [];
  for (const r of table.rows) {
    const get = (c: Column) => (cols[c] ? (r.values.get(cols[c]) ?? '') : '');
    const username = get('username') || get('email');
    const fail = (reason: string, field?: string) =>
      failures.push({
        row: r.row,
        ...(username ? { username } : {}),
        ...(field ? { field } : {}),
        reason,
      });
    if (!username) {
      fail('missing username', 'username');
      continue;
    }
    if (username.length > MAX_USERNAME_LENGTH) {
      fail(`username is longer than ${MAX_USERNAME_LENGTH} characters`, 'username');
      continue;
    }
    const first = seen.get(username.toLowerCase());
    if (first !== undefined) {
      fail(`duplicate of row ${first} (usernames are case-insensitive)`, 'username');
      continue;
    }
    seen.set(username.toLowerCase(), r.row);
    const refs = get('securityGroupIds')
      .split(/[;|]/)
      .map((s) => s.trim())
      .filter(Boolean);
    const securityGroupIds = refs.length
      ? [...new Set(refs.map(resolveGroup))]
      : defaultGroup
        ? [defaultGroup.id]
        : [];
    if (securityGroupIds.length === 0) {
      fail(
        groups
          ? 'no security group given and the network has no default group'
          : 'no security group given, and the default group could not be read',
        'securityGroupIds',
      );
      continue;
    }
    const item: CreateItem = { username, securityGroupIds };
    if (get('firstName')) item.firstName = get('firstName');
    if (get('lastName')) item.lastName = get('lastName');
    const code = get('inviteCode');
    if (code) {
      if (/\s/.test(code)) {
        fail('inviteCode must not contain white space', 'inviteCode');
        continue;
      }
      item.inviteCode = code;
    }
    const ttl = get('inviteCodeTtl');
    if (ttl) {
      if (!/^[0-9]+$/.test(ttl) || Number(ttl) < 1) {
        fail(
          `inviteCodeTtl must be a whole number of days (at least 1), not "${ttl}"`,
          'inviteCodeTtl',
        );
        continue;
      }
      item.inviteCodeTtl = Number(ttl);
    }
    const cv = get('codeValidation');
    if (cv) {
      const b = parseBool(cv);
      if (b === undefined) {
        fail(`codeValidation must be true or false, not "${cv}"`, 'codeValidation');
        continue;
      }
      item.codeValidation = b;
    }
    rows.push({ row: r.row, item });
  }

  if (opts.dryRun) {
    // A dry run can also see unknown groups, which the API would reject row by row.
    const ok: typeof rows = [];
    for (const r of rows) {
      const missing = groups ? r.item.securityGroupIds.filter((g) => !groupIds.has(g)) : [];
      if (missing.length) {
        failures.push({
          row: r.row,
          username: r.item.username,
          field: 'securityGroupIds',
          reason: `Security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in network ${opts.network}.`,
        });
      } else ok.push(r);
    }
    return report({
      verb: 'created',
      dryRun: true,
      opts,
      successes: ok.map((r) => ({ row: r.row, username: r.item.username, userId: '' })),
      failures,
      skipped: [],
    });
  }

  const successes: Success[] = [];
  const bar = progressBar(opts, rows.length, 'importing');
  try {
    for (const [index, chunk] of chunks(rows).entries()) {
      const result = await sendChunk(chunk, 'users', (items) => {
        const token = clientToken(
          'import',
          fileHash,
          opts.network,
          index,
          items.map((i) => i.item),
        );
        return client.batchCreateUser(
          opts.network,
          items.map((i) => i.item),
          token,
        );
      });
      failures.push(
        ...result.rejected.map(({ entry, row, field, reason }) => ({
          row,
          username: entry.item.username,
          ...(field ? { field } : {}),
          reason,
        })),
      );
      if (result.response) {
        const res = result.response;
        const created = new Map(
          (res.successful ?? []).map((u) => [(u.username ?? '').toLowerCase(), u]),
        );
        // Failed items name no username; the API keeps request order, so they pair up in order.
        const notCreated = result.sent.filter((e) => !created.has(e.item.username.toLowerCase()));
        const failed = res.failed ?? [];
        notCreated.forEach((e, k) => {
          const f = failed[k];
          failures.push({
            row: e.row,
            username: e.item.username,
            ...(f?.userId ? { userId: f.userId } : {}),
            ...(f?.field ? { field: f.field } : {}),
            reason: f?.reason ?? 'not created (the API gave no reason)',
          });
        });
        for (const e of result.sent) {
          const u = created.get(e.item.username.toLowerCase());
          if (u) successes.push({ row: e.row, username: e.item.username, userId: u.userId ?? '' });
        }
      }
      bar.increment(chunk.length);
    }
  } catch (err) {
    bar.stop();
    partialSummary('created', successes.length, failures.length);
    throw err;
  }
  bar.stop();
  return report({ verb: 'created', dryRun: false, opts, successes, failures, skipped: [] });
}

// ---------- suspend / unsuspend / delete ----------

type Action = 'suspend' | 'unsuspend' | 'delete';

async function toggleOrDelete(
  action: Action,
  file: string,
  opts: CommonOptions & { yes?: boolean },
): Promise<number> {
  const { table, fileHash } = readTable(file, opts);
  const cols = findColumns(table);
  if (!cols.userId && !cols.username && !cols.email) {
    throw new Error(
      `${file} needs a userId or username column; its columns are: ${table.header.join(', ')}`,
    );
  }
  warnUnknownColumns(table, cols);
  const client = new AdminApiClient(resolveConnection(opts));

  const failures: Failure[] = [];
  const skipped: Skipped[] = [];
  const byId: { row: number; userId: string; username?: string }[] = [];
  const toResolve: { row: number; username: string }[] = [];
  for (const r of table.rows) {
    const get = (c: Column) => (cols[c] ? (r.values.get(cols[c]) ?? '') : '');
    const userId = get('userId');
    const username = get('username') || get('email');
    if (userId) {
      if (!/^[0-9]{1,10}$/.test(userId)) {
        failures.push({
          row: r.row,
          userId,
          field: 'userId',
          reason: 'a userId is 1 to 10 digits',
        });
      } else {
        // The API compares IDs as numbers: "007" is user 7.
        byId.push({
          row: r.row,
          userId: String(Number(userId)),
          ...(username ? { username } : {}),
        });
      }
    } else if (username) {
      toResolve.push({ row: r.row, username });
    } else {
      failures.push({ row: r.row, field: 'userId', reason: 'missing userId and username' });
    }
  }

  if (toResolve.length) {
    const bar = progressBar(opts, toResolve.length, 'resolving');
    try {
      const resolved = await mapPool(toResolve, 4, async (r) => {
        const id = await findUserId(client, opts.network, r.username);
        bar.increment(1);
        return id;
      });
      toResolve.forEach((r, k) => {
        const id = resolved[k];
        if (id) byId.push({ row: r.row, userId: id, username: r.username });
        else {
          failures.push({
            row: r.row,
            username: r.username,
            field: 'username',
            reason: `no user named ${r.username} in network ${opts.network}`,
          });
        }
      });
    } finally {
      bar.stop();
    }
    byId.sort((a, b) => a.row - b.row);
  }

  // One user named twice (by ID and by name, or twice) is acted on once.
  const entries: typeof byId = [];
  const firstRow = new Map<string, number>();
  for (const e of byId) {
    const first = firstRow.get(e.userId);
    if (first !== undefined) {
      skipped.push({
        row: e.row,
        userId: e.userId,
        ...(e.username ? { username: e.username } : {}),
        reason: `same user as row ${first}`,
      });
    } else {
      firstRow.set(e.userId, e.row);
      entries.push(e);
    }
  }
  const verb = action === 'delete' ? 'deleted' : action === 'suspend' ? 'suspended' : 'unsuspended';

  if (opts.dryRun) {
    return report({ verb, dryRun: true, opts, successes: entries, failures, skipped });
  }
  if (action === 'delete' && !opts.yes && entries.length > 0) {
    await confirmDelete(entries.length, opts.network);
  }

  const successes: Success[] = [];
  const bar = progressBar(opts, entries.length, verb.replace(/ed$/, 'ing'));
  try {
    for (const [index, chunk] of chunks(entries).entries()) {
      const result = await sendChunk(chunk, 'userIds', (items) => {
        const ids = items.map((e) => e.userId);
        const token = clientToken(action, fileHash, opts.network, index, ids);
        return action === 'delete'
          ? client.batchDeleteUser(opts.network, ids, token)
          : client.batchToggleUserSuspendStatus(opts.network, ids, action === 'suspend', token);
      });
      failures.push(
        ...result.rejected.map(({ entry, row, field, reason }) => ({
          row,
          userId: entry.userId,
          ...(entry.username ? { username: entry.username } : {}),
          ...(field ? { field } : {}),
          reason,
        })),
      );
      if (result.response) {
        const ok = new Set((result.response.successful ?? []).map((s) => s.userId));
        const failed = new Map((result.response.failed ?? []).map((f) => [f.userId, f]));
        for (const e of result.sent) {
          const label = { userId: e.userId, ...(e.username ? { username: e.username } : {}) };
          const f = failed.get(e.userId);
          if (ok.has(e.userId)) successes.push({ row: e.row, ...label });
          else {
            failures.push({
              row: e.row,
              ...label,
              ...(f?.field ? { field: f.field } : {}),
              reason: f?.reason ?? `not ${verb} (the API gave no reason)`,
            });
          }
        }
      }
      bar.increment(chunk.length);
    }
  } catch (err) {
    bar.stop();
    partialSummary(verb, successes.length, failures.length);
    throw err;
  }
  bar.stop();
  return report({ verb, dryRun: false, opts, successes, failures, skipped });
}

/** The user ID whose username equals `username` (case-insensitively), via ListUsers' filter. */
async function findUserId(
  client: AdminApiClient,
  networkId: string,
  username: string,
): Promise<string | undefined> {
  const wanted = username.toLowerCase();
  // The filter matches substrings: page on until the exact name turns up.
  for await (const u of client.listUsers(networkId, { username })) {
    if ((u.username ?? '').toLowerCase() === wanted && u.userId) return u.userId;
  }
  return undefined;
}

async function confirmDelete(count: number, networkId: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new Error(
      `Refusing to delete ${count} user${count === 1 ? '' : 's'} without --yes: stdin is not a terminal to confirm on.`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Delete ${count} user${count === 1 ? '' : 's'} from network ${networkId}? This cannot be undone. Type "yes" to continue: `,
    );
    if (answer.trim().toLowerCase() !== 'yes')
      throw new Error('Not confirmed; nothing was deleted.');
  } finally {
    rl.close();
  }
}

// ---------- shared ----------

interface ChunkResult<E, R> {
  response?: R;
  /** Entries the response is about. */
  sent: E[];
  /** Entries the API rejected in a ValidationError, with its reason. */
  rejected: { entry: E; row: number; field?: string; reason: string }[];
}

/**
 * Sends one batch. A ValidationError naming items (`users[3].inviteCode`) rejects those items
 * only: they are reported and the rest is sent once more (with its own token, since the body
 * differs). Any other error is fatal and propagates.
 */
async function sendChunk<E extends { row: number }, R>(
  chunk: E[],
  listField: string,
  send: (items: E[]) => Promise<R>,
): Promise<ChunkResult<E, R>> {
  const rejected: ChunkResult<E, R>['rejected'] = [];
  let items = chunk;
  for (let round = 0; ; round++) {
    try {
      return { response: await send(items), sent: items, rejected };
    } catch (err) {
      if (
        !(err instanceof AdminApiError) ||
        err.errorType !== 'ValidationError' ||
        !err.reasons?.length
      )
        throw err;
      const bad = new Map<number, { field: string; reason: string }[]>();
      const pattern = new RegExp(`^${listField}\\[(\\d+)\\]\\.?(.*)$`);
      for (const r of err.reasons) {
        const m = pattern.exec(r.field);
        const i = m ? Number(m[1]) : NaN;
        // A reason about the request as a whole would fail every batch: fatal.
        if (!m || !(i < items.length)) throw err;
        bad.set(i, [...(bad.get(i) ?? []), { field: m[2] || listField, reason: r.reason }]);
      }
      for (const [i, reasons] of bad) {
        const entry = items[i]!;
        rejected.push({
          entry,
          row: entry.row,
          field: reasons[0]!.field,
          reason: reasons.map((r) => `${r.field}: ${r.reason}`).join('; '),
        });
      }
      items = items.filter((_, i) => !bad.has(i));
      if (items.length === 0 || round >= 1) {
        if (items.length > 0) {
          for (const entry of items)
            rejected.push({
              entry,
              row: entry.row,
              reason: `the batch was rejected: ${err.serverMessage}`,
            });
        }
        return { sent: [], rejected };
      }
    }
  }
}

/**
 * A stable idempotency token: the file's hash, the network, the action, the chunk's index and
 * its exact content. Re-running the same file repeats each request with the same token, so a
 * batch the server already performed is answered from its record and never performed twice.
 */
export function clientToken(
  action: string,
  fileHash: string,
  networkId: string,
  index: number,
  content: unknown,
): string {
  const body = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  const h = createHash('sha256')
    .update(`${fileHash}|${networkId}|${action}|${index}|${body}`)
    .digest('hex');
  return `wickr-admin-${action}-${index}-${h.slice(0, 32)}`;
}

function readTable(
  file: string,
  opts: { delimiter?: string },
): { table: CsvTable; fileHash: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const delimiter = opts.delimiter === '\\t' || opts.delimiter === 'tab' ? '\t' : opts.delimiter;
  const table = parseCsvTable(bytes.toString('utf8'), delimiter ? { delimiter } : {});
  return { table, fileHash: createHash('sha256').update(bytes).digest('hex') };
}

function findColumns(table: CsvTable): Partial<Record<Column, string>> {
  const present = new Set(table.header.map((h) => h.toLowerCase().replace(/[^a-z0-9]/g, '')));
  const cols: Partial<Record<Column, string>> = {};
  for (const [col, names] of Object.entries(COLUMNS) as [Column, readonly string[]][]) {
    const hit = names.find((n) => present.has(n));
    if (hit) cols[col] = hit;
  }
  return cols;
}

function warnUnknownColumns(table: CsvTable, cols: Partial<Record<Column, string>>): void {
  const used = new Set(Object.values(cols));
  const unknown = table.header.filter(
    (h) => h && !used.has(h.toLowerCase().replace(/[^a-z0-9]/g, '')),
  );
  if (unknown.length)
    process.stderr.write(
      `wickr-admin: ignoring column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\n`,
    );
}

function parseBool(s: string): boolean | undefined {
  const v = s.toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(v)) return true;
  if (['false', 'no', 'n', '0'].includes(v)) return false;
  return undefined;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK_SIZE) out.push(items.slice(i, i + CHUNK_SIZE));
  return out;
}

async function mapPool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

interface Bar {
  increment(n: number): void;
  stop(): void;
}

/** A progress bar on stderr, only when stderr is a terminal and --no-progress was not given. */
function progressBar(opts: { progress: boolean }, total: number, label: string): Bar {
  if (!opts.progress || !process.stderr.isTTY || total === 0) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total} | ETA: {eta_formatted}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    increment: (n) => bar.increment(n),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

function partialSummary(verb: string, ok: number, failed: number): void {
  process.stderr.write(`wickr-admin: stopped early; so far ${verb} ${ok}, failed ${failed}\n`);
}

function report(r: {
  verb: string;
  dryRun: boolean;
  opts: { json?: boolean; network: string };
  successes: Success[];
  failures: Failure[];
  skipped: Skipped[];
}): number {
  const failures = [...r.failures].sort((a, b) => a.row - b.row);
  if (r.opts.json) {
    // One shape for every command: `action` says what `succeeded` counts.
    const out = {
      networkId: r.opts.network,
      action: r.verb,
      dryRun: r.dryRun,
      succeeded: r.successes.length,
      failed: failures.length,
      failures,
      skipped: r.skipped,
      successful: r.successes.map((x) => (x.userId ? x : { row: x.row, username: x.username })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const lines = [
      r.dryRun
        ? `dry run: would have ${r.verb} ${r.successes.length}, failed ${failures.length}` +
          (r.skipped.length ? `, skipped ${r.skipped.length}` : '')
        : `${r.verb} ${r.successes.length}, failed ${failures.length}` +
          (r.skipped.length ? `, skipped ${r.skipped.length}` : ''),
    ];
    for (const f of failures) lines.push(`  row ${f.row} (${label(f)}): ${f.reason}`);
    for (const s of r.skipped) lines.push(`  row ${s.row} (${label(s)}): skipped, ${s.reason}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return failures.length > 0 ? 2 : 0;
}

function label(x: { username?: string; userId?: string }): string {
  if (x.username && x.userId) return `${x.username}, user ${x.userId}`;
  return x.username ?? (x.userId ? `user ${x.userId}` : 'no username');
}
