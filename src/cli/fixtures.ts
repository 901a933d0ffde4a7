/** `wickr-admin seed <file>` and `wickr-admin export --network <id>`. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFromEnv } from '../config.js';
import { exportNetworks } from '../fixtures/export.js';
import { formatFixture, parseFixture } from '../fixtures/format.js';
import { seed } from '../fixtures/seed.js';
import { openStore } from '../store/database.js';

const databaseHelp =
  'sqlite:<path>, sqlite::memory: or postgres://... (env WICKR_DATABASE_URL, default sqlite:./data/wickr.db)';

export function registerFixtureCommands(program: Command): void {
  program
    .command('seed')
    .description('Load networks, groups, users, bots, devices and guests from a JSON or YAML file')
    .argument('<file>', 'fixture file (JSON or YAML); see docs/fixtures.md')
    .option('--database <url>', databaseHelp)
    .option(
      '--account <id>',
      'account for networks of a fixture that names none (env WICKR_ACCOUNT_ID)',
    )
    .option('--region <region>', 'region for a fixture that names none', 'us-east-1')
    .option('--replace', 'replace networks whose IDs already exist')
    .action(
      async (
        file: string,
        opts: { database?: string; account?: string; region: string; replace?: boolean },
      ) => {
        const doc = parseFixture(readFileSync(file, 'utf8'));
        const config = configFromEnv();
        const store = await openStore(opts.database ?? config.databaseUrl);
        try {
          const summary = await seed(store.db, store.engine, doc, {
            accountId: opts.account ?? config.accountId,
            region: opts.region,
            ...(opts.replace ? { replace: true } : {}),
          });
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } finally {
          await store.close();
        }
      },
    );

  program
    .command('export')
    .description('Write networks in the fixture format that seed reads')
    .requiredOption('--network <ids>', 'network ID (several: comma-separated)')
    .option('--database <url>', databaseHelp)
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--output <file>', 'write to this file instead of standard output')
    .action(
      async (opts: { network: string; database?: string; format: string; output?: string }) => {
        if (opts.format !== 'yaml' && opts.format !== 'json') {
          throw new Error('--format must be yaml or json');
        }
        const store = await openStore(opts.database ?? configFromEnv().databaseUrl);
        try {
          const ids = opts.network
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const text = formatFixture(await exportNetworks(store.db, ids), opts.format);
          // The export holds secrets (uname keys, invite codes, challenge hashes).
          if (opts.output) writeFileSync(opts.output, text, { mode: 0o600 });
          else process.stdout.write(text);
        } finally {
          await store.close();
        }
      },
    );
}
