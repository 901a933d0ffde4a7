/** `wickr-admin seed <file>` and `wickr-admin export --network <id>`. */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { configFromEnv } from '../../config.js';
import { exportNetworks } from '../../fixtures/export.js';
import { formatFixture, parseFixture } from '../../fixtures/format.js';
import { seed } from '../../fixtures/seed.js';
import { databaseOptions, withStore, type DatabaseOptions } from '../database.js';
import { out, readInputFile } from '../io.js';

export function registerFixtureCommands(program: Command): void {
  databaseOptions(
    program
      .command('seed')
      .description(
        'Load networks, groups, users, bots, devices and guests from a JSON or YAML file',
      )
      .argument('<file>', 'fixture file (JSON or YAML); see docs/fixtures.md')
      .option(
        '--account <id>',
        'account for networks of a fixture that names none (env WICKR_ACCOUNT_ID)',
      )
      .option('--region <region>', 'region for a fixture that names none', 'us-east-1')
      .option('--replace', 'replace networks whose IDs already exist'),
    { create: true },
  ).action(
    async (
      file: string,
      opts: DatabaseOptions & { account?: string; region: string; replace?: boolean },
    ) => {
      const doc = parseFixture(readInputFile(file).toString('utf8'));
      const config = configFromEnv();
      await withStore(opts, async (store) => {
        const summary = await seed(store.db, store.engine, doc, {
          accountId: opts.account ?? config.accountId,
          region: opts.region,
          ...(opts.replace ? { replace: true } : {}),
        });
        out(`${JSON.stringify(summary, null, 2)}\n`);
      });
    },
  );

  databaseOptions(
    program
      .command('export')
      .description('Write networks in the fixture format that seed reads')
      .requiredOption('--network <ids>', 'network ID (several: comma-separated)')
      .option('--format <format>', 'yaml or json', (v) => {
        if (v !== 'yaml' && v !== 'json') throw new InvalidArgumentError('must be yaml or json');
        return v;
      })
      .option('--output <file>', 'write to this file instead of standard output'),
  ).action(
    async (opts: DatabaseOptions & { network: string; format?: string; output?: string }) => {
      await withStore(opts, async ({ db }) => {
        const ids = opts.network
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const text = formatFixture(
          await exportNetworks(db, ids),
          opts.format === 'json' ? 'json' : 'yaml',
        );
        // The export holds secrets (uname keys, invite codes, challenge hashes).
        if (opts.output) writeFileSync(opts.output, text, { mode: 0o600 });
        else out(text);
      });
    },
  );
}
