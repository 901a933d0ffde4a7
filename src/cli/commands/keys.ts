/** `wickr-admin keys create|list|revoke`: access keys, straight in the database. */
import type { Command } from 'commander';
import { createKey, listKeys, revokeKey } from '../../auth/keys.js';
import { unknownActions } from '../../auth/policy.js';
import { databaseOptions, withStore, type DatabaseOptions } from '../database.js';
import { out, UsageError, warn } from '../io.js';

function split(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * Every action must allow at least one action the server checks (an operation of the API, the
 * signed audit read, managing access keys): a typo would allow nothing.
 */
function assertKnownActions(actions: string[]): void {
  const [a] = unknownActions(actions);
  if (a !== undefined)
    throw new UsageError(
      `unknown action "${a}": it allows no operation of the API (e.g. wickr:ListUsers, wickr:Get*, wickr:*)`,
    );
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage access keys');

  databaseOptions(
    keys
      .command('create')
      .description('Create an access key; prints {"accessKeyId","secretAccessKey","accountId"}')
      .requiredOption('--account <id>', '12-digit account ID')
      .option(
        '--actions <list>',
        'comma-separated allowed actions (default wickr:*,cloudtrail:LookupEvents)',
      )
      .option('--networks <list>', 'comma-separated network IDs the key is limited to')
      .option('--label <text>', 'a note to recognise the key by')
      .option('--user <name>', "the key owner's user name, as an IAM user's (default root)"),
    { create: true },
  ).action(
    async (
      opts: DatabaseOptions & {
        account: string;
        actions?: string;
        networks?: string;
        label?: string;
        user?: string;
      },
    ) => {
      const actions = opts.actions ? split(opts.actions) : undefined;
      if (actions) assertKnownActions(actions);
      const networks = opts.networks ? split(opts.networks) : undefined;
      await withStore(opts, async ({ db }) => {
        const key = await createKey(db, {
          accountId: opts.account,
          ...(actions ? { actions } : {}),
          ...(networks ? { networks } : {}),
          ...(opts.label ? { label: opts.label } : {}),
          ...(opts.user !== undefined ? { userName: opts.user } : {}),
        });
        if (networks?.length) {
          // A key may be made before its network; say so, in case the ID is a typo.
          const known = new Set(
            (
              await db
                .selectFrom('networks')
                .select('network_id')
                .where('network_id', 'in', networks)
                .execute()
            ).map((r) => r.network_id),
          );
          for (const n of networks)
            if (!known.has(n)) warn(`warning: network ${n} does not exist (yet) in this database`);
        }
        out(`${JSON.stringify(key)}\n`);
      });
    },
  );

  databaseOptions(
    keys.command('list').description('List access keys (never their secrets)'),
  ).action(async (opts: DatabaseOptions) => {
    await withStore(opts, async ({ db }) => {
      out(`${JSON.stringify(await listKeys(db), null, 2)}\n`);
    });
  });

  databaseOptions(
    keys.command('revoke').description('Revoke an access key').argument('<accessKeyId>'),
  ).action(async (id: string, opts: DatabaseOptions) => {
    await withStore(opts, async ({ db }) => {
      if (!(await revokeKey(db, id))) throw new Error(`no active access key ${id}`);
      out(`Revoked ${id}\n`);
    });
  });
}
