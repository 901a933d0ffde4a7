/**
 * Sends queued outbox messages over SMTP, in batches sent concurrently over pooled
 * connections. A message goes out only while its recipient can still use it: the member is
 * still pending, unsuspended, has not declined, and the message's code is the current one;
 * otherwise it is withdrawn unsent. A failure is retried with exponential backoff. A crash
 * between sending and recording can send a message twice, never zero times; the Message-ID
 * is stable per outbox row so mail systems can dedupe.
 *
 * Claiming, per engine:
 * - PostgreSQL: a batch's rows stay locked (FOR UPDATE SKIP LOCKED) in one transaction from
 *   the check through the send to the record. Replicas skip each other's rows, so they share
 *   the outbox; a DeleteNetwork (or user deletion, registration...) touching a row being
 *   sent waits for the send, so no message leaves after the change that withdraws it
 *   committed; a crashed replica's locks go with its connection.
 * - SQLite (one server process, one connection): holding the connection during a send would
 *   stall every request, so the rows are leased instead (next_attempt_at moved ahead) in a
 *   short transaction, sent, then recorded. DeleteNetwork waits for this process's sends to
 *   its network (`settled`) before it deletes.
 */
import type { Transporter } from 'nodemailer';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, OutboxRow } from '../store/schema.js';
import { engineOf } from '../store/database.js';
import { commitAtOnce } from '../store/group-commit.js';
import {
  OUTBOX_STATUS,
  leaseDue,
  lockDue,
  recordSent,
  recordUnsent,
  undeliverable,
  type DueMessage as Due,
} from '../domain/owners/outbox.js';
import { htmlOfText } from './html.js';
import { createSmtpTransport } from './smtp.js';

const isEmailAddress = (s: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);

export interface WorkerOptions {
  smtpUrl: string;
  from: string;
  log: Logger;
  now?: () => number;
  pollMs?: number;
  maxAttempts?: number;
  leaseMs?: number;
  /** Told of each delivery attempt's outcome (metrics). */
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed') => void;
  /** Pooled SMTP connections (messages in flight at once). */
  connections?: number;
  /** Messages claimed per batch. */
  batchSize?: number;
}

export const MAX_BACKOFF_MS = 15 * 60 * 1000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

type Outcome = { m: OutboxRow } & (
  | { result: 'sent' }
  | { result: 'withdrawn' | 'failed'; reason: string }
  | { result: 'retry'; error: string }
);

export class DeliveryWorker {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  /** Sends in flight per network (SQLite), and who waits for them to end. */
  private readonly inFlight = new Map<string, { count: number; waiters: (() => void)[] }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: WorkerOptions,
  ) {
    this.transport = createSmtpTransport(options.smtpUrl, this.connections);
    this.now = options.now ?? Date.now;
  }

  private get connections(): number {
    return this.options.connections ?? 8;
  }

  start(): void {
    this.schedule(0);
  }

  /** Called after a change queued mail: look soon rather than at the next poll. */
  wake(): void {
    if (!this.stopped) this.schedule(25);
  }

  /** Resolves once no message of the network is being sent by this process. */
  settled(networkId: string): Promise<void> {
    const f = this.inFlight.get(networkId);
    if (!f) return Promise.resolve();
    return new Promise((resolve) => f.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.transport.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.schedule(ms || 25);
        return;
      }
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.options.log.warn({ err }, 'outbox delivery pass failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.pollMs ?? 1000);
        });
    }, ms);
    this.timer.unref();
  }

  /** Delivers due messages, batch after batch, until none is due; returns how many were handled. */
  async tick(): Promise<number> {
    let handled = 0;
    while (!this.stopped) {
      const n =
        engineOf(this.db) === 'postgres' ? await this.lockedBatch() : await this.leasedBatch();
      handled += n;
      if (n === 0) break;
    }
    return handled;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 100;
  }

  /** PostgreSQL: check, send and record in one transaction holding the rows. */
  private async lockedBatch(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const due = await lockDue(trx, this.now(), this.batchSize);
      if (due.length === 0) return 0;
      await this.record(trx, await this.sendAll(due));
      return due.length;
    });
  }

  /** SQLite: lease in a short transaction, send, then record. */
  private async leasedBatch(): Promise<number> {
    const now = this.now();
    const claimed = await this.db.transaction().execute(async (trx) => {
      const leaseUntil = now + (this.options.leaseMs ?? 60_000);
      const due = await leaseDue(trx, now, this.batchSize, leaseUntil);
      // Counted before the commit: a DeleteNetwork that runs next already waits for them.
      for (const m of due) this.began(m.network_id);
      // It waits inside its transaction: this commit must not wait for that one to end.
      if (due.length > 0) await commitAtOnce(trx);
      return due;
    });
    if (claimed.length === 0) return 0;
    const outcomes = await this.sendAll(claimed, (m) => this.ended(m.network_id));
    await this.db.transaction().execute((trx) => this.record(trx, outcomes));
    return claimed.length;
  }

  private began(networkId: string): void {
    const f = this.inFlight.get(networkId);
    if (f) f.count++;
    else this.inFlight.set(networkId, { count: 1, waiters: [] });
  }

  private ended(networkId: string): void {
    const f = this.inFlight.get(networkId);
    if (!f) return;
    if (--f.count > 0) return;
    this.inFlight.delete(networkId);
    for (const w of f.waiters) w();
  }

  /** Sends every deliverable message at once (the pool queues them over its connections). */
  private async sendAll(due: Due[], done: (m: Due) => void = () => undefined): Promise<Outcome[]> {
    return Promise.all(
      due.map(async (m): Promise<Outcome> => {
        try {
          const why = undeliverable(m);
          if (why) return { m, result: 'withdrawn', reason: `not sent: ${why}` };
          if (!isEmailAddress(m.recipient)) {
            return { m, result: 'failed', reason: `"${m.recipient}" is not an e-mail address` };
          }
          await this.transport.sendMail({
            from: this.options.from,
            to: m.recipient,
            subject: m.subject,
            text: m.body_text,
            html: htmlOfText(m.body_text, m.subject),
            messageId: `<outbox-${m.id}.${m.network_id}@wickr-admin.local>`,
          });
          return { m, result: 'sent' };
        } catch (err) {
          return { m, result: 'retry', error: err instanceof Error ? err.message : String(err) };
        } finally {
          done(m);
        }
      }),
    );
  }

  /** Records outcomes; only rows still pending change (a withdrawn or deleted one stays so). */
  private async record(db: Kysely<Database>, outcomes: Outcome[]): Promise<void> {
    const log = this.options.log;
    const now = this.now();
    const sent = outcomes.filter((o) => o.result === 'sent').map((o) => o.m.id);
    if (sent.length > 0) {
      await recordSent(db, sent, now);
      log.info({ count: sent.length }, 'invitations sent');
    }
    const max = this.options.maxAttempts ?? 10;
    const onAttempt = this.options.onAttempt;
    for (const o of outcomes) {
      if (o.result === 'sent') {
        onAttempt?.('sent');
        continue;
      }
      const attempts = o.m.attempts + 1;
      if (o.result !== 'withdrawn')
        onAttempt?.(o.result === 'retry' && attempts < max ? 'retry' : 'failed');
      if (o.result === 'retry' && attempts < max) {
        await recordUnsent(db, o.m.id, {
          status: OUTBOX_STATUS.PENDING,
          attempts,
          nextAttemptAt: now + backoffMs(attempts),
          error: o.error,
        });
        log.warn(
          { outboxId: o.m.id, attempts, err: o.error },
          'invitation delivery failed; will retry',
        );
        continue;
      }
      const reason = o.result === 'retry' ? o.error : o.reason;
      const where = { outboxId: o.m.id, networkId: o.m.network_id };
      if (o.result === 'withdrawn') {
        await recordUnsent(db, o.m.id, { status: OUTBOX_STATUS.WITHDRAWN, reason });
        log.info({ ...where, reason }, 'invitation withdrawn');
      } else {
        await recordUnsent(db, o.m.id, { status: OUTBOX_STATUS.FAILED, attempts, reason });
        if (o.result === 'failed') log.warn({ ...where, reason }, 'invitation not sent');
        else log.error({ ...where, attempts, err: reason }, 'invitation delivery gave up');
      }
    }
  }
}
