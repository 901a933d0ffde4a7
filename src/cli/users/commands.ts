/**
 * `wickr-admin users import|suspend|delete`: bulk user administration from CSV files through
 * the signed Admin API. This file wires the commands: it reads the file and the network, hands
 * rows to ./rows.ts (pure), sends them with ./batches.ts and prints with ./report.ts.
 *
 * Exit codes: 0 every row succeeded, 2 some rows failed (each one is listed), 1 fatal error.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError } from 'commander';
import {
  AdminApiError,
  AdminClient,
  DEFAULT_ENDPOINT,
  DEFAULT_PROFILE,
  DEFAULT_REGION,
  resolveConnection,
  type ConnectionFlags,
} from '../../client/index.js';
import { parseCsvTable, type CsvTable } from '../../client/csv/reader.js';
import { actOnUsers, importRows, type Results } from '../../client/csv/batches.js';
import {
  createRows,
  findColumns,
  unknownColumns,
  unknownGroupFailures,
  type Columns,
  type CreateRow,
  type Group,
} from '../../client/csv/users.js';
import { EXPORT_COLUMNS, csvLine, exportLine } from '../../client/csv/export.js';
import { resolveTargets, type Directory } from '../../client/csv/resolve.js';
import { out, readInputFile, UsageError, warn } from '../io.js';
import { clientToken, mapPool, rejectionOf } from './batches.js';
import { formatReport, partialSummary, progressBar, type Outcome } from './report.js';

interface CommonOptions extends ConnectionFlags {
  network: string;
  progress: boolean;
  json?: boolean;
  dryRun?: boolean;
  delimiter?: string;
  csv?: string;
}

type Action = 'suspend' | 'unsuspend' | 'delete';

export function registerUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description('Bulk user administration from CSV files, through the signed Admin API');

  bulk(
    users
      .command('import')
      .description(
        'Create (invite) the users listed in a CSV file. Columns: username (or email), firstName, ' +
          'lastName, securityGroupIds (";" or "|" separated IDs or names; default: the network\'s ' +
          'default group), inviteCode, inviteCodeTtl, codeValidation',
      ),
  ).action(async (file: string | undefined, opts: CommonOptions) => {
    process.exitCode = await explained(importUsers(csvFile(file, opts), opts));
  });

  bulk(
    users
      .command('suspend')
      .description(
        'Suspend (or with --unsuspend, reinstate) the users listed in a CSV file (userId or username column)',
      )
      .option('--unsuspend', 'lift the suspension instead'),
  ).action(async (file: string | undefined, opts: CommonOptions & { unsuspend?: boolean }) => {
    process.exitCode = await explained(
      toggleOrDelete(opts.unsuspend ? 'unsuspend' : 'suspend', csvFile(file, opts), opts),
    );
  });

  connection(
    users
      .command('export')
      .description(
        'Print every user of the network as CSV: userId, username, firstName, lastName, ' +
          'securityGroupIds, status, suspended, isAdmin (the columns import, suspend and delete read)',
      ),
  ).action(async (opts: CommonOptions) => {
    process.exitCode = await explained(exportUsers(opts));
  });

  bulk(
    users
      .command('delete')
      .description('Delete the users listed in a CSV file (userId or username column)')
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)'),
  ).action(async (file: string | undefined, opts: CommonOptions & { yes?: boolean }) => {
    process.exitCode = await explained(toggleOrDelete('delete', csvFile(file, opts), opts));
  });
}

/** The network's users as CSV on stdout, the console's Export CSV columns, page after page. */
async function exportUsers(opts: CommonOptions): Promise<number> {
  const client = clientFor(opts);
  const count = await client.call('GetUsersCount', { networkId: opts.network });
  const anyDeclined = count.rejected > 0;
  out(csvLine(EXPORT_COLUMNS));
  for await (const u of client.paginate('ListUsers', { networkId: opts.network }, 'users'))
    out(exportLine(u, anyDeclined));
  return 0;
}

/** Every bulk command takes its CSV the same way: `<csv>`, or `--csv <file>`. */
function csvFile(positional: string | undefined, opts: { csv?: string }): string {
  if (positional && opts.csv && positional !== opts.csv)
    throw new UsageError(`two CSV files given (${positional} and --csv ${opts.csv}); give one`);
  const file = positional ?? opts.csv;
  if (!file) throw new UsageError('missing the CSV file (wickr-admin users <command> <csv>)');
  return file;
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

function bulk(cmd: Command): Command {
  return connection(
    cmd
      .argument('[csv]', 'CSV file with a header row (or --csv <file>)')
      .option('--csv <file>', 'the CSV file (the same as the argument)'),
  )
    .option(
      '--dry-run',
      'check the file against the network (read-only calls) without changing anything',
    )
    .option('--no-progress', 'no progress bar (it is also off when stderr is not a terminal)')
    .option('--json', 'print the summary as JSON')
    .option('--delimiter <char>', 'field separator (default: guessed from the header: , ; or tab)');
}

/** The network and how to reach and sign for the server. */
function connection(cmd: Command): Command {
  return cmd
    .requiredOption('--network <id>', 'the network (8 digits)', (v) => {
      if (!/^[0-9]{8}$/.test(v)) throw new InvalidArgumentError('a network ID is 8 digits');
      return v;
    })
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

function clientFor(opts: ConnectionFlags): AdminClient {
  const c = resolveConnection(opts);
  return new AdminClient({
    endpoint: c.endpoint,
    region: c.region,
    credentials: c.credentials,
  });
}

function readTable(
  file: string,
  opts: { delimiter?: string },
): { table: CsvTable; fileHash: string } {
  const bytes = readInputFile(file);
  const delimiter = opts.delimiter === '\\t' || opts.delimiter === 'tab' ? '\t' : opts.delimiter;
  const table = parseCsvTable(bytes.toString('utf8'), delimiter ? { delimiter } : {});
  return { table, fileHash: createHash('sha256').update(bytes).digest('hex') };
}

function columnsOf(table: CsvTable, file: string, need: 'username' | 'target'): Columns {
  const cols = findColumns(table);
  if (
    need === 'username'
      ? !cols.username && !cols.email
      : !cols.userId && !cols.username && !cols.email
  ) {
    throw new Error(
      `${file} needs a ${need === 'username' ? 'username (or email)' : 'userId or username'} column; its columns are: ${table.header.join(', ')}`,
    );
  }
  const unknown = unknownColumns(table, cols);
  if (unknown.length)
    warn(`ignoring column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  return cols;
}

function print(outcome: Outcome, json: boolean | undefined): number {
  const { text, exitCode } = formatReport(outcome, json === true);
  out(text);
  return exitCode;
}

// ---------- import ----------

async function importUsers(file: string, opts: CommonOptions): Promise<number> {
  const { table, fileHash } = readTable(file, opts);
  const cols = columnsOf(table, file, 'username');
  const client = clientFor(opts);

  // Read-only, also in a dry run: the default group, group names, and whether the network exists.
  let groups: Group[] | undefined;
  try {
    groups = [];
    for await (const g of client.paginate(
      'ListSecurityGroups',
      { networkId: opts.network },
      'securityGroups',
    ))
      groups.push(g);
  } catch (err) {
    // A key allowed BatchCreateUser but not ListSecurityGroups can still import rows that
    // name their groups by ID.
    if (!(err instanceof AdminApiError) || err.errorType !== 'ForbiddenError') throw err;
    groups = undefined;
    warn(`cannot list security groups (${err.message}); rows must give group IDs`);
  }
  const { rows, failures } = createRows(table, cols, groups);

  if (opts.dryRun) {
    // A dry run also asks the server what it would reject: unknown groups, existing users.
    const checked = groups
      ? unknownGroupFailures(rows, groups, opts.network)
      : { ok: rows, failures: [] };
    const existing = await existingUsers(
      client,
      opts.network,
      checked.ok.map((r) => r.item.username),
      opts,
    );
    const ok: CreateRow[] = [];
    for (const r of checked.ok) {
      const id = existing.get(r.item.username.toLowerCase());
      if (id === undefined) ok.push(r);
      else
        checked.failures.push({
          row: r.row,
          username: r.item.username,
          userId: id,
          field: 'username',
          reason: `user ${r.item.username} already exists in network ${opts.network}`,
        });
    }
    return print(
      {
        verb: 'created',
        dryRun: true,
        networkId: opts.network,
        successes: ok.map((r) => ({ row: r.row, username: r.item.username, userId: '' })),
        failures: [...failures, ...checked.failures],
        skipped: [],
      },
      opts.json,
    );
  }

  const done: Results = { successes: [], failures };
  const bar = progressBar(opts, rows.length, 'importing');
  try {
    await importRows(
      rows,
      {
        send: (users, index) =>
          client.call('BatchCreateUser', {
            networkId: opts.network,
            users,
            clientToken: clientToken('import', fileHash, opts.network, index, users),
          }),
        rejectionOf,
        onBatch: (n) => bar.increment(n),
      },
      done,
    );
  } catch (err) {
    bar.stop();
    warn(partialSummary('created', done.successes.length, done.failures.length));
    throw err;
  }
  bar.stop();
  return print(
    {
      verb: 'created',
      dryRun: false,
      networkId: opts.network,
      successes: done.successes,
      failures: done.failures,
      skipped: [],
    },
    opts.json,
  );
}

// ---------- suspend / unsuspend / delete ----------

async function toggleOrDelete(
  action: Action,
  file: string,
  opts: CommonOptions & { yes?: boolean },
): Promise<number> {
  const { table, fileHash } = readTable(file, opts);
  const cols = columnsOf(table, file, 'target');
  const client = clientFor(opts);
  // Each row resolved to a user (by username or ID) or a failure, as the console's preview does.
  const { entries, failures, skipped } = await resolveTargets(
    table,
    cols,
    directoryOf(client, opts.network),
    opts.network,
  );
  const verb = action === 'delete' ? 'deleted' : action === 'suspend' ? 'suspended' : 'unsuspended';

  if (opts.dryRun) {
    return print(
      {
        verb,
        dryRun: true,
        networkId: opts.network,
        successes: entries.map(({ row, userId, username }) => ({
          row,
          userId,
          ...(username ? { username } : {}),
        })),
        failures,
        skipped,
      },
      opts.json,
    );
  }
  if (action === 'delete' && !opts.yes && entries.length > 0) {
    await confirmDelete(entries.length, opts.network);
  }

  const done: Results = { successes: [], failures };
  const bar = progressBar(opts, entries.length, verb.replace(/ed$/, 'ing'));
  try {
    await actOnUsers(
      entries,
      verb,
      {
        send: (userIds, index) => {
          const token = clientToken(action, fileHash, opts.network, index, userIds);
          return action === 'delete'
            ? client.call('BatchDeleteUser', {
                networkId: opts.network,
                userIds,
                clientToken: token,
              })
            : client.call('BatchToggleUserSuspendStatus', {
                networkId: opts.network,
                userIds,
                suspend: action === 'suspend',
                clientToken: token,
              });
        },
        rejectionOf,
        onBatch: (n) => bar.increment(n),
      },
      done,
    );
  } catch (err) {
    bar.stop();
    warn(partialSummary(verb, done.successes.length, done.failures.length));
    throw err;
  }
  bar.stop();
  return print(
    {
      verb,
      dryRun: false,
      networkId: opts.network,
      successes: done.successes,
      failures: done.failures,
      skipped,
    },
    opts.json,
  );
}

// ---------- asking the server ----------

/** The user ID whose username equals `username` (case-insensitively), via ListUsers' filter. */
async function findUserId(
  client: AdminClient,
  networkId: string,
  username: string,
): Promise<string | undefined> {
  const wanted = username.toLowerCase();
  // The filter matches substrings: page on until the exact name turns up.
  for await (const u of client.paginate('ListUsers', { networkId, username }, 'users')) {
    if ((u.username ?? '').toLowerCase() === wanted && u.userId) return u.userId;
  }
  return undefined;
}

/**
 * Whether to read the whole user list (one request a page of 100) rather than ask about each
 * of `lookups` items: whichever takes fewer requests, by GetUsersCount.
 */
async function cheaperToList(client: AdminClient, networkId: string, lookups: number) {
  const count = await client.call('GetUsersCount', { networkId });
  return Math.ceil(count.total / 100) < lookups;
}

/** Lower-cased usernames among `usernames` that exist in the network → their user IDs. */
async function existingUsers(
  client: AdminClient,
  networkId: string,
  usernames: string[],
  opts: { progress: boolean },
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (usernames.length === 0) return found;
  const wanted = new Set(usernames.map((u) => u.toLowerCase()));
  if (await cheaperToList(client, networkId, usernames.length)) {
    for await (const u of client.paginate('ListUsers', { networkId }, 'users')) {
      const lc = (u.username ?? '').toLowerCase();
      if (wanted.has(lc) && u.userId) found.set(lc, u.userId);
    }
    return found;
  }
  const bar = progressBar(opts, usernames.length, 'checking');
  try {
    const ids = await mapPool(usernames, 4, async (u) => {
      const id = await findUserId(client, networkId, u);
      bar.increment(1);
      return id;
    });
    usernames.forEach((u, k) => {
      if (ids[k]) found.set(u.toLowerCase(), ids[k]);
    });
  } finally {
    bar.stop();
  }
  return found;
}

/** The network's users as the shared resolution (src/client/csv/resolve.ts) reads them. */
function directoryOf(client: AdminClient, networkId: string): Directory {
  return {
    users: (username) =>
      client.paginate('ListUsers', { networkId, ...(username ? { username } : {}) }, 'users'),
    user: async (userId) => {
      try {
        return await client.call('GetUser', { networkId, userId });
      } catch (err) {
        if (err instanceof AdminApiError && err.errorType === 'ResourceNotFoundError')
          return undefined;
        throw err;
      }
    },
    count: async () => (await client.call('GetUsersCount', { networkId })).total,
  };
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
