/**
 * Sends queued outbox messages over SMTP, in batches whose messages go out concurrently over
 * pooled connections. A message goes out only while its recipient can still use it: the member
 * is still pending, unsuspended, has not declined, and the message's code is the current one;
 * otherwise it is withdrawn unsent. A crash between sending and recording can send a message
 * twice, never zero times; the Message-ID is stable per outbox row so mail systems can dedupe.
 *
 * Failures, as an MTA treats them: a 5xx reply to the message's envelope or data fails it at
 * once. Anything else may pass (a 4xx reply, a refused or dropped connection, no greeting, no
 * answer within the send's deadline, a refused login): the message goes back to the queue with
 * backoff (1 s, doubling, at most 15 min) and is retried until it is `retryMs` old (5 days by
 * default), then `failed`. A failure of the server rather than of the message also defers the
 * messages of the batch not yet tried, each as a failed attempt, instead of waiting for each
 * one's own deadline. Sends interrupted by `settled` or `stop` count no attempt and are due
 * again a second later.
 *
 * Claiming, per engine:
 * - PostgreSQL: a batch's rows stay locked (FOR UPDATE SKIP LOCKED) in one transaction from
 *   the check through the send to the record. Replicas skip each other's rows, so they share
 *   the outbox; a DeleteNetwork (or user deletion, registration...) touching a row being
 *   sent waits for the send, so no message leaves after the change that withdraws it
 *   committed; a crashed replica's locks go with its connection. Every send has a deadline,
 *   so such a wait ends.
 * - SQLite (one server process, one connection): holding the connection during a send would
 *   stall every request, so the rows are leased instead (next_attempt_at moved ahead) in a
 *   short transaction, sent, then recorded.
 * On both, DeleteNetwork first waits for this process's sends to its network (`settled`), at
 * most `settleMs`, then interrupts them.
 */
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
import { DEFAULT_SEND_TIMEOUT_MS, SmtpTransport, sendFailure } from './smtp.js';

const isEmailAddress = (s: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);

/** What became of one message's turn (the metric's `outcome`). */
export type AttemptOutcome = 'sent' | 'retry' | 'failed' | 'interrupted';

export interface WorkerOptions {
  smtpUrl: string;
  from: string;
  log: Logger;
  now?: () => number;
  pollMs?: number;
  /** How long after it was queued a message is still retried after temporary failures. */
  retryMs?: number;
  /** The deadline of one message's send, connection and every reply included. */
  sendTimeoutMs?: number;
  /** How long `settled` waits for sends in flight before it interrupts them. */
  settleMs?: number;
  leaseMs?: number;
  /** Told of each message's turn (metrics); withdrawn messages are not told. */
  onAttempt?: (outcome: AttemptOutcome) => void;
  /** Pooled SMTP connections (messages in flight at once). */
  connections?: number;
  /** Messages claimed per batch. */
  batchSize?: number;
}

export const MAX_BACKOFF_MS = 15 * 60 * 1000;
/** As an MTA keeps a message it cannot deliver yet (Postfix's maximal_queue_lifetime). */
export const DEFAULT_RETRY_MS = 5 * 24 * 3_600_000;
export const DEFAULT_SETTLE_MS = 3_000;
const INTERRUPTED_RETRY_MS = 1_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

type Outcome = { m: OutboxRow } & (
  | { result: 'sent' }
  | { result: 'withdrawn' | 'failed'; reason: string }
  | { result: 'retry'; error: string }
  | { result: 'interrupted'; reason: string }
);

/** True when `p` settles within `ms`. */
async function endsWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A send ended on purpose (`settled` ran out of patience, or the server stops): no attempt. */
class Interrupted extends Error {}

/** The batch being sent: why it stops early, if it does. */
interface Batch {
  /** Set by `interrupt`: no further message starts, those in flight end. */
  interrupted?: string;
  /** The server failed (not a message): the messages not yet tried are deferred with this. */
  serverDown?: string;
}

export class DeliveryWorker {
  private readonly transport: SmtpTransport;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  /** Messages claimed and not yet done with, per network, and who waits for them. */
  private readonly inFlight = new Map<string, { count: number; waiters: (() => void)[] }>();
  private batch: Batch | undefined;
  /** An interruption asked for while claimed messages wait for their batch to start. */
  private interruptNext: string | undefined;
  /** Failed attempts since the last message went out (for the "resumed" log line). */
  private failuresInARow = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: WorkerOptions,
  ) {
    this.transport = new SmtpTransport(
      options.smtpUrl,
      options.connections ?? 8,
      options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    );
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule(0);
  }

  /** Called after a change queued mail: look soon rather than at the next poll. */
  wake(): void {
    if (!this.stopped) this.schedule(25);
  }

  /**
   * Resolves once no message of the network is being sent by this process. Sends still in
   * flight after `settleMs` are interrupted (they count no attempt, and their rows stay
   * pending unless the caller deletes them), so the caller waits a bounded time.
   */
  async settled(networkId: string): Promise<void> {
    const f = this.inFlight.get(networkId);
    if (!f) return;
    const ended = new Promise<void>((resolve) => f.waiters.push(resolve));
    const settleMs = this.options.settleMs ?? DEFAULT_SETTLE_MS;
    if (await endsWithin(ended, settleMs)) return;
    this.options.log.warn(
      { networkId, sending: f.count },
      'invitations to a network being deleted were still being sent; interrupting their sends',
    );
    this.interrupt('its network was being deleted');
    // Interrupted sends end at once; the bound is only a guard.
    await endsWithin(ended, settleMs);
  }

  /** Ends the sends in flight (their messages stay queued) and stops the worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.interrupt('the server was stopping');
    await this.running;
    this.transport.close();
  }

  /** Stops the batch in progress: nothing more starts, and the sends in flight end now. */
  private interrupt(reason: string): void {
    if (!this.batch) {
      if (this.inFlight.size > 0) this.interruptNext ??= reason;
      return;
    }
    this.batch.interrupted ??= reason;
    this.transport.abort(new Interrupted(reason));
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
      for (const m of due) this.began(m.network_id);
      await this.record(trx, await this.sendAll(due));
      return due.length;
    });
  }

  /** SQLite: lease in a short transaction, send, then record. */
  private async leasedBatch(): Promise<number> {
    const now = this.now();
    let counted: Due[] = [];
    const claimed = await this.db
      .transaction()
      .execute(async (trx) => {
        const leaseUntil = now + (this.options.leaseMs ?? 60_000);
        const due = await leaseDue(trx, now, this.batchSize, leaseUntil);
        // Counted before the commit: a DeleteNetwork that runs next already waits for them.
        for (const m of due) this.began(m.network_id);
        counted = due;
        // It waits inside its transaction: this commit must not wait for that one to end.
        if (due.length > 0) await commitAtOnce(trx);
        return due;
      })
      .catch((err: unknown) => {
        // Not claimed after all: nobody may wait for them.
        for (const m of counted) this.ended(m.network_id);
        throw err;
      });
    if (claimed.length === 0) return 0;
    const outcomes = await this.sendAll(claimed);
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

  /**
   * Sends the batch over as many lanes as the pool has connections, so that each send's
   * deadline runs from when a connection takes it; each message counts as ended (`settled`)
   * once its outcome is known.
   */
  private async sendAll(due: Due[]): Promise<Outcome[]> {
    const batch: Batch = {};
    this.batch = batch;
    if (this.interruptNext !== undefined) batch.interrupted = this.interruptNext;
    if (this.stopped) batch.interrupted ??= 'the server was stopping';
    this.interruptNext = undefined;
    const outcomes: Outcome[] = [];
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < due.length; i = next++) {
        const m = due[i]!;
        try {
          outcomes[i] = await this.deliver(m, batch);
        } finally {
          this.ended(m.network_id);
        }
      }
    };
    try {
      const lanes = Math.min(due.length, this.transport.concurrency);
      await Promise.all(Array.from({ length: lanes }, lane));
    } finally {
      this.batch = undefined;
    }
    return outcomes;
  }

  private async deliver(m: Due, batch: Batch): Promise<Outcome> {
    const why = undeliverable(m);
    if (why) return { m, result: 'withdrawn', reason: `not sent: ${why}` };
    if (!isEmailAddress(m.recipient)) {
      return { m, result: 'failed', reason: `"${m.recipient}" is not an e-mail address` };
    }
    if (batch.interrupted) return { m, result: 'interrupted', reason: batch.interrupted };
    if (batch.serverDown) {
      return { m, result: 'retry', error: `not tried: ${batch.serverDown}` };
    }
    try {
      await this.transport.send({
        from: this.options.from,
        to: m.recipient,
        subject: m.subject,
        text: m.body_text,
        html: htmlOfText(m.body_text, m.subject),
        messageId: `<outbox-${m.id}.${m.network_id}@wickr-admin.local>`,
      });
      return { m, result: 'sent' };
    } catch (err) {
      if (err instanceof Interrupted) return { m, result: 'interrupted', reason: err.message };
      const failure = sendFailure(err);
      if (failure.permanent) return { m, result: 'failed', reason: failure.reply };
      if (failure.serverDown) batch.serverDown ??= failure.reply;
      return { m, result: 'retry', error: failure.reply };
    }
  }

  /** Records outcomes; only rows still pending change (a withdrawn or deleted one stays so). */
  private async record(db: Kysely<Database>, outcomes: Outcome[]): Promise<void> {
    const log = this.options.log;
    const now = this.now();
    const sent = outcomes.filter((o) => o.result === 'sent').map((o) => o.m.id);
    if (sent.length > 0) {
      await recordSent(db, sent, now);
      if (this.failuresInARow > 0) {
        log.info(
          { failedAttempts: this.failuresInARow },
          'invitation delivery resumed: the SMTP server accepts mail again',
        );
        this.failuresInARow = 0;
      }
      log.info({ count: sent.length }, 'invitations sent');
    }
    const retryMs = this.options.retryMs ?? DEFAULT_RETRY_MS;
    const onAttempt = this.options.onAttempt;
    for (const o of outcomes) {
      const where = { outboxId: o.m.id, networkId: o.m.network_id };
      switch (o.result) {
        case 'sent':
          onAttempt?.('sent');
          break;
        case 'interrupted':
          onAttempt?.('interrupted');
          await recordUnsent(db, o.m.id, {
            status: OUTBOX_STATUS.PENDING,
            attempts: o.m.attempts,
            // Not at once: the next batch would lock the rows again before a DeleteNetwork
            // waiting for this batch's locks (PostgreSQL) gets them.
            nextAttemptAt: now + INTERRUPTED_RETRY_MS,
            error: `sending was interrupted: ${o.reason}`,
          });
          break;
        case 'withdrawn':
          await recordUnsent(db, o.m.id, { status: OUTBOX_STATUS.WITHDRAWN, reason: o.reason });
          log.info({ ...where, reason: o.reason }, 'invitation withdrawn');
          break;
        case 'failed':
          onAttempt?.('failed');
          await recordUnsent(db, o.m.id, {
            status: OUTBOX_STATUS.FAILED,
            attempts: o.m.attempts + 1,
            reason: o.reason,
          });
          log.warn({ ...where, reason: o.reason }, 'invitation not sent');
          break;
        case 'retry': {
          this.failuresInARow++;
          const attempts = o.m.attempts + 1;
          const queuedFor = now - Number(o.m.created_at);
          if (queuedFor >= retryMs) {
            onAttempt?.('failed');
            const reason = `gave up after ${attempts} attempts in ${Math.round(queuedFor / 3_600_000)} h: ${o.error}`;
            await recordUnsent(db, o.m.id, { status: OUTBOX_STATUS.FAILED, attempts, reason });
            log.error({ ...where, attempts, reply: o.error }, 'invitation delivery gave up');
            break;
          }
          onAttempt?.('retry');
          const nextAttemptAt = now + backoffMs(attempts);
          await recordUnsent(db, o.m.id, {
            status: OUTBOX_STATUS.PENDING,
            attempts,
            nextAttemptAt,
            error: o.error,
          });
          log.warn(
            { ...where, attempts, reply: o.error, retryAt: new Date(nextAttemptAt).toISOString() },
            'invitation delivery failed; will retry',
          );
          break;
        }
      }
    }
  }
}
