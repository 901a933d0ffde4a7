/**
 * `wickr-admin webhooks add|list|remove|status`: where the audit trail's events are delivered
 * (docs/audit.md). Webhooks receive each event as an EventBridge event, signed with HMAC-SHA256
 * when they have a secret, filtered by an EventBridge-style pattern; `status` also shows the
 * log-file directories (WICKR_AUDIT_LOG_DIR). Straight in the database, through the owner of
 * the trail's sinks; a running server sees a new webhook within its poll (a second).
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { SINK_KIND, addSink, listSinks, removeSink, sinkStatuses } from '../../audit/deliveries.js';
import { parsePattern } from '../../delivery/event-pattern.js';
import { databaseOptions, withStore, type DatabaseOptions } from '../database.js';
import { out, UsageError } from '../io.js';

const httpUrl = (v: string): string => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  return u.toString();
};

/** A sink as listed: the secret is never shown again after `add`. */
const shown = (s: Awaited<ReturnType<typeof listSinks>>[number]) => ({
  id: s.id,
  kind: s.kind,
  target: s.target,
  signed: s.secret !== null,
  pattern: s.pattern === null ? null : (JSON.parse(s.pattern) as unknown),
  created: new Date(s.createdAt).toISOString(),
});

export function registerWebhooks(program: Command): void {
  const hooks = program
    .command('webhooks')
    .description("Deliver the audit trail's events to webhooks (EventBridge events)");

  databaseOptions(
    hooks
      .command('add <url>')
      .description('Add a webhook; prints it with its signing secret (shown once) as JSON')
      .option('--secret <secret>', 'the HMAC-SHA256 key (default: a random one)')
      .option('--unsigned', 'send without the signature header')
      .option('--pattern <json>', 'an EventBridge-style event pattern (default: every event)'),
  ).action(
    async (
      url: string,
      opts: DatabaseOptions & { secret?: string; unsigned?: boolean; pattern?: string },
    ) => {
      const target = httpUrl(url);
      if (opts.pattern !== undefined) {
        try {
          parsePattern(opts.pattern);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      if (opts.unsigned && opts.secret) throw new UsageError('--secret and --unsigned conflict');
      const secret = opts.unsigned ? undefined : (opts.secret ?? randomBytes(32).toString('hex'));
      await withStore(opts, async ({ db }) => {
        const sink = await addSink(db, {
          kind: SINK_KIND.webhook,
          target,
          ...(secret ? { secret } : {}),
          ...(opts.pattern !== undefined ? { pattern: opts.pattern } : {}),
          now: Date.now(),
        });
        out(`${JSON.stringify({ ...shown(sink), ...(secret ? { secret } : {}) })}\n`);
      });
    },
  );

  databaseOptions(
    hooks.command('list').description('List the webhooks and log-file directories as JSON'),
  ).action(async (opts: DatabaseOptions) => {
    await withStore(opts, async ({ db }) => {
      out(`${JSON.stringify((await listSinks(db)).map(shown), null, 2)}\n`);
    });
  });

  databaseOptions(
    hooks.command('remove <id>').description('Remove a webhook and its queued deliveries'),
  ).action(async (id: string, opts: DatabaseOptions) => {
    if (!/^\d+$/.test(id)) throw new UsageError(`"${id}" is not a webhook ID`);
    await withStore(opts, async ({ db }) => {
      if (!(await removeSink(db, Number(id)))) throw new UsageError(`no webhook with ID ${id}`);
      out(`removed ${id}\n`);
    });
  });

  databaseOptions(
    hooks
      .command('status')
      .description(
        'Deliveries per webhook and log-file directory: pending, delivered, skipped, failed; the oldest pending; the last error',
      ),
  ).action(async (opts: DatabaseOptions) => {
    await withStore(opts, async ({ db }) => {
      const sinks = new Map((await listSinks(db)).map((s) => [s.id, s]));
      const statuses = (await sinkStatuses(db)).map((s) => ({
        ...shown(sinks.get(s.sinkId)!),
        ...s.counts,
        oldestPending:
          s.oldestPendingAt === null ? null : new Date(s.oldestPendingAt).toISOString(),
        lastError: s.lastError,
      }));
      out(`${JSON.stringify(statuses, null, 2)}\n`);
    });
  });
}
