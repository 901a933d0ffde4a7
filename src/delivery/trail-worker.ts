/**
 * Delivers audit events to the trail's sinks (audit/deliveries.ts): webhooks, as EventBridge
 * events signed with HMAC-SHA256, and log-file directories, in CloudTrail's layout as gzipped
 * `{"Records": [...]}` files. The queue is written with each audit record, in its transaction;
 * this worker leases due deliveries a batch at a time (a lease is `next_attempt_at` moved
 * ahead, so replicas never hold one row at once and a dead worker's rows are due again when
 * its lease ends), delivers them, and settles each: delivered, skipped (the sink's pattern does
 * not match, or the record is gone), retried with back-off (1 s doubling to 15 min) or, once
 * `retryMs` has passed since it was queued, failed. At least once: a crash between a delivery
 * and its settling delivers it again (a webhook receiver dedupes by the event's `id`; a log
 * file is written again under the same name).
 *
 * Every outbound call has a deadline (`timeoutMs`); a webhook that cannot be reached defers
 * the rest of its batch at once rather than waiting for each one's deadline.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { cloudTrailEventOf, type CloudTrailEvent } from '../audit/cloudtrail.js';
import {
  DELIVERY_STATUS,
  SINK_KIND,
  countSinks,
  leaseDue,
  listSinks,
  settle,
  sinksDue,
  type Due,
  type Sink,
} from '../audit/deliveries.js';
import { recordsByIds, type AuditRecord } from '../audit/list.js';
import { onSinksSeen } from '../audit/record.js';
import type { Database } from '../store/schema.js';
import { matches, parsePattern, type Pattern } from './event-pattern.js';

export const SIGNATURE_HEADER = 'x-wickr-signature';
export const DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const EVENT_SOURCE_NAME = 'aws.wickr';
export const MAX_BACKOFF_MS = 15 * 60_000;

export type TrailOutcome = 'delivered' | 'skipped' | 'retry' | 'failed';

export interface TrailWorkerOptions {
  log: Logger;
  now: () => number;
  /** The server's account, for records of none. */
  accountId: string;
  /** How long a queued delivery is retried before it is failed. */
  retryMs: number;
  /** The deadline of one webhook call. */
  timeoutMs: number;
  pollMs?: number;
  leaseMs?: number;
  batchSize?: number;
  onAttempt?: (kind: string, outcome: TrailOutcome) => void;
}

export const backoffMs = (attempts: number): number =>
  Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));

/** An EventBridge event of a CloudTrail event, as AWS puts API calls on the default bus. */
export function eventBridgeEventOf(e: CloudTrailEvent): Record<string, unknown> {
  return {
    version: '0',
    // Stable across retries: a receiver dedupes by it.
    id: e.eventID,
    'detail-type': DETAIL_TYPE,
    source: EVENT_SOURCE_NAME,
    account: e.recipientAccountId,
    time: e.eventTime,
    region: e.awsRegion,
    resources: (e.resources ?? []).map((r) => r.ARN),
    detail: e,
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (docs/audit.md: verifying it). */
export function signatureOf(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The log file's path in CloudTrail's layout, under the sink's directory. */
export function logFilePath(
  dir: string,
  account: string,
  region: string,
  at: number,
  unique: string,
): string {
  const iso = new Date(at).toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return join(
    dir,
    'AWSLogs',
    account,
    'CloudTrail',
    region,
    y,
    m,
    d,
    `${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`,
  );
}

class Unreachable extends Error {}

export class TrailWorker {
  /** Whether sinks exist, as last seen: the audit writer queues deliveries only then. */
  readonly seen = { any: false };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly patterns = new Map<string, Pattern | undefined>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: TrailWorkerOptions,
  ) {
    onSinksSeen(db, this.seen);
  }

  /** Reads whether sinks exist before the server serves, then polls. */
  async start(): Promise<void> {
    this.seen.any = (await countSinks(this.db)) > 0;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.options.log.warn({ err }, 'trail delivery pass failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollMs ?? 1000);
        });
    }, ms);
    this.timer.unref();
  }

  /** Delivers what is due, sink by sink, batch after batch; returns how many were settled. */
  async tick(): Promise<number> {
    const sinks = await listSinks(this.db);
    this.seen.any = sinks.length > 0;
    if (sinks.length === 0) return 0;
    const due = new Set(await sinksDue(this.db, this.options.now()));
    let settled = 0;
    for (const sink of sinks) {
      if (!due.has(sink.id)) continue;
      for (;;) {
        if (this.stopped) return settled;
        const batch = await leaseDue(
          this.db,
          sink.id,
          this.options.now(),
          this.options.batchSize ?? 100,
          this.options.leaseMs ?? 60_000,
        );
        if (batch.length === 0) break;
        settled += batch.length;
        await this.deliverBatch(sink, batch);
      }
    }
    return settled;
  }

  private patternOf(sink: Sink): Pattern | undefined {
    if (!sink.pattern) return undefined;
    if (!this.patterns.has(sink.pattern))
      this.patterns.set(sink.pattern, parsePattern(sink.pattern));
    return this.patterns.get(sink.pattern);
  }

  private async deliverBatch(sink: Sink, batch: Due[]): Promise<void> {
    const records = await recordsByIds(
      this.db,
      batch.map((d) => d.auditId),
    );
    const pattern = this.patternOf(sink);
    const now = this.options.now();
    const skipped: number[] = [];
    const wanted: { due: Due; event: CloudTrailEvent; bridged: Record<string, unknown> }[] = [];
    for (const due of batch) {
      const record: AuditRecord | undefined = records.get(due.auditId);
      // A record purged by retention (or a reset) since it was queued has nothing to deliver.
      if (!record) {
        skipped.push(due.id);
        continue;
      }
      const event = cloudTrailEventOf(record, this.options.accountId);
      const bridged = eventBridgeEventOf(event);
      if (pattern && !matches(pattern, bridged)) skipped.push(due.id);
      else wanted.push({ due, event, bridged });
    }
    if (skipped.length > 0) {
      await settle(this.db, skipped, { status: 'skipped', at: now });
      for (const _ of skipped) this.options.onAttempt?.(sink.kind, 'skipped');
    }
    if (wanted.length === 0) return;
    if (sink.kind === SINK_KIND.files) {
      try {
        await this.writeFiles(sink, wanted);
        await this.settleAll(
          sink,
          wanted.map((w) => w.due),
          undefined,
        );
      } catch (err) {
        await this.settleAll(
          sink,
          wanted.map((w) => w.due),
          (err as Error).message,
        );
      }
      return;
    }
    let unreachable: string | undefined;
    for (const w of wanted) {
      if (unreachable !== undefined || this.stopped) {
        await this.settleOne(sink, w.due, unreachable ?? 'the server was stopping');
        continue;
      }
      try {
        await this.post(sink, JSON.stringify(w.bridged));
        await this.settleOne(sink, w.due, undefined);
      } catch (err) {
        const message = (err as Error).message;
        if (err instanceof Unreachable) unreachable = message;
        await this.settleOne(sink, w.due, message);
      }
    }
  }

  private async post(sink: Sink, body: string): Promise<void> {
    const now = this.options.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'wickr-admin-server trail delivery',
    };
    if (sink.secret)
      headers[SIGNATURE_HEADER] = signatureOf(sink.secret, body, Math.floor(now / 1000));
    let res: Response;
    try {
      res = await fetch(sink.target, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Unreachable(
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.options.timeoutMs} ms`
          : `${(err as Error).message}${cause ? ` (${cause})` : ''}`,
      );
    }
    // The body is not needed; reading it ends the exchange (the connection is reused).
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`the webhook answered ${res.status}`);
  }

  private async writeFiles(
    sink: Sink,
    wanted: { due: Due; event: CloudTrailEvent }[],
  ): Promise<void> {
    const groups = new Map<string, CloudTrailEvent[]>();
    for (const { event } of wanted) {
      const key = `${event.recipientAccountId}\n${event.awsRegion}`;
      const list = groups.get(key) ?? [];
      list.push(event);
      groups.set(key, list);
    }
    // Named from the batch's deliveries: a batch delivered again rewrites its own files.
    const first = wanted[0]!.due;
    const ids = wanted.map((w) => w.due.id).join(',');
    for (const [key, events] of groups) {
      const [account, region] = key.split('\n') as [string, string];
      const unique = createHash('sha256')
        .update(`${sink.id}:${ids}:${key}`)
        .digest('hex')
        .slice(0, 16);
      const path = logFilePath(sink.target, account, region, first.createdAt, unique);
      await mkdir(join(path, '..'), { recursive: true });
      const tmp = `${path}.partial`;
      // Oldest first, as CloudTrail's files list them.
      const body = JSON.stringify({ Records: events });
      await writeFile(tmp, gzipSync(body));
      await rename(tmp, path);
    }
  }

  private async settleAll(sink: Sink, dues: Due[], error: string | undefined): Promise<void> {
    for (const d of dues) await this.settleOne(sink, d, error);
  }

  private async settleOne(sink: Sink, due: Due, error: string | undefined): Promise<void> {
    const now = this.options.now();
    if (error === undefined) {
      await settle(this.db, [due.id], { status: 'delivered', at: now });
      this.options.onAttempt?.(sink.kind, 'delivered');
      return;
    }
    if (now - due.createdAt >= this.options.retryMs) {
      await settle(this.db, [due.id], { status: DELIVERY_STATUS.failed, error });
      this.options.onAttempt?.(sink.kind, DELIVERY_STATUS.failed);
      this.options.log.warn({ sink: sink.id, delivery: due.id, error }, 'trail delivery failed');
      return;
    }
    await settle(this.db, [due.id], {
      status: 'retry',
      nextAttemptAt: now + backoffMs(due.attempts + 1),
      error,
    });
    this.options.onAttempt?.(sink.kind, 'retry');
  }
}
