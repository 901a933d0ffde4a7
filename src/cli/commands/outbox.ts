/** `wickr-admin outbox list`: invitation e-mails and their delivery state. */
import { InvalidArgumentError, type Command } from 'commander';
import { listOutbox } from '../../delivery/outbox.js';
import { databaseOptions, withStore, type DatabaseOptions } from '../database.js';
import { out } from '../io.js';

const STATUSES = ['pending', 'sent', 'failed', 'superseded', 'withdrawn'];

/** A whole number from 1 to `max`, for count flags. */
export const positiveInt =
  (max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1 || n > max)
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };

export function registerOutbox(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('Invitation e-mails and their delivery state');

  databaseOptions(
    outbox
      .command('list')
      .description('List outbox messages, newest first, as JSON')
      .option('--status <status>', STATUSES.join(', '), (v) => {
        if (!STATUSES.includes(v)) throw new InvalidArgumentError(`must be ${STATUSES.join(', ')}`);
        return v;
      })
      .option('--network <id>', 'only this network', (v) => {
        if (!/^\d{8}$/.test(v)) throw new InvalidArgumentError('a network ID is 8 digits');
        return v;
      })
      .option('--limit <n>', 'at most this many (default 100)', positiveInt(100_000)),
  ).action(
    async (opts: DatabaseOptions & { status?: string; network?: string; limit?: number }) => {
      await withStore(opts, async ({ db }) => {
        const rows = await listOutbox(db, {
          ...(opts.status ? { status: opts.status } : {}),
          ...(opts.network ? { networkId: opts.network } : {}),
          ...(opts.limit ? { limit: opts.limit } : {}),
        });
        out(`${JSON.stringify(rows, null, 2)}\n`);
      });
    },
  );
}
