/**
 * Sends queued outbox messages over SMTP. Each message is claimed with a lease (so several
 * replicas never send the same message at once), sent, then marked sent; a failure is
 * retried with exponential backoff. A crash between sending and marking can send a message
 * twice, never zero times; the Message-ID is stable per outbox row so mail systems can dedupe.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, OutboxRow } from '../store/schema.js';
import { htmlOfText } from './html.js';

const isEmailAddress = (s: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);

export interface WorkerOptions {
  smtpUrl: string;
  from: string;
  log: Logger;
  now?: () => number;
  pollMs?: number;
  maxAttempts?: number;
  leaseMs?: number;
}

export const MAX_BACKOFF_MS = 15 * 60 * 1000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

export class DeliveryWorker {
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: WorkerOptions,
  ) {
    this.transport = nodemailer.createTransport(options.smtpUrl);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule(0);
  }

  /** Called after a change queued mail: look soon rather than at the next poll. */
  wake(): void {
    if (!this.stopped) this.schedule(25);
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

  /** One pass over due messages; returns how many were handled. */
  async tick(): Promise<number> {
    const now = this.now();
    const due = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(50)
      .execute();
    let handled = 0;
    for (const m of due) {
      if (this.stopped) break;
      if (!(await this.claim(m, now))) continue;
      await this.deliver(m);
      handled++;
    }
    return handled;
  }

  private async claim(m: OutboxRow, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: now + (this.options.leaseMs ?? 60_000) })
      .where('id', '=', m.id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', m.next_attempt_at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private async deliver(m: OutboxRow): Promise<void> {
    const log = this.options.log;
    if (!isEmailAddress(m.recipient)) {
      await this.finish(m, 'failed', `"${m.recipient}" is not an e-mail address`);
      log.warn(
        { outboxId: m.id, networkId: m.network_id },
        'invitation not sent: username is not an e-mail address',
      );
      return;
    }
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: m.recipient,
        subject: m.subject,
        text: m.body_text,
        html: htmlOfText(m.body_text, m.subject),
        messageId: `<outbox-${m.id}.${m.network_id}@wickr-admin.local>`,
      });
      await this.finish(m, 'sent', null);
      log.info({ outboxId: m.id, networkId: m.network_id, kind: m.kind }, 'invitation sent');
    } catch (err) {
      const attempts = m.attempts + 1;
      const max = this.options.maxAttempts ?? 10;
      const message = err instanceof Error ? err.message : String(err);
      if (attempts >= max) {
        await this.finish(m, 'failed', message);
        log.error({ outboxId: m.id, attempts, err: message }, 'invitation delivery gave up');
      } else {
        await this.db
          .updateTable('outbox')
          .set({ attempts, next_attempt_at: this.now() + backoffMs(attempts), last_error: message })
          .where('id', '=', m.id)
          .execute();
        log.warn(
          { outboxId: m.id, attempts, err: message },
          'invitation delivery failed; will retry',
        );
      }
    }
  }

  private async finish(
    m: OutboxRow,
    status: 'sent' | 'failed',
    error: string | null,
  ): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({
        status,
        attempts: m.attempts + 1,
        sent_at: status === 'sent' ? this.now() : null,
        last_error: error,
      })
      .where('id', '=', m.id)
      .execute();
  }
}
