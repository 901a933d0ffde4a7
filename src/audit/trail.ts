/**
 * Where the pipeline's audit step writes: a change's record in the change's own transaction,
 * and a refusal's record on its own. Refusals of requests that proved no identity (unsigned or
 * badly signed calls, wrong invite codes, failed sign-ins) are noise anyone can make in bulk,
 * so they are bounded per source address: within a minute, repeats of one refusal (the same
 * operation, answer and claimed key) fold into its first record's `repeats`, and an address
 * gets at most MAX_RECORDS_PER_MINUTE records, later kinds folding into its first. A refusal of
 * an authenticated request is always a record of its own (its key's rate limit bounds it).
 *
 * Why not one record per address and minute: a refusal stays findable by its operation and the
 * key it claimed (an administrator looks for "who tried my key"). In memory, per replica.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { foldInto, insertAudit, recordAudit, type AuditEntry } from './record.js';

export const FOLD_WINDOW_MS = 60_000;
export const MAX_RECORDS_PER_MINUTE = 10;
/** Addresses remembered at once; more are forgotten (their next refusal is a new record). */
const MAX_ADDRESSES = 50_000;

interface Window {
  start: number;
  /** The record of each kind of refusal in this window (an insert still running: its promise). */
  kinds: Map<string, Promise<number>>;
  first: Promise<number> | undefined;
}

export class AuditTrail {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly db: Kysely<Database>) {}

  /** A change's record, with `db` (the change's transaction). */
  record(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
    return recordAudit(db, entry);
  }

  /** A refusal's record, folded when it repeats noise from the same address. */
  async refused(entry: AuditEntry, authenticated: boolean): Promise<void> {
    if (authenticated) return recordAudit(this.db, entry);
    const w = this.windowOf(entry.sourceIp ?? '', entry.at);
    const kind = `${entry.source}\n${entry.operation}\n${entry.status}\n${entry.accessKeyId ?? ''}`;
    const into =
      w.kinds.get(kind) ?? (w.kinds.size >= MAX_RECORDS_PER_MINUTE ? w.first : undefined);
    if (into !== undefined) {
      const id = await into.catch(() => undefined);
      // A record deleted meanwhile (a reset, the retention purge) takes no more repeats.
      if (id !== undefined && (await foldInto(this.db, id))) return;
    }
    const inserted = insertAudit(this.db, entry);
    w.kinds.set(kind, inserted);
    w.first ??= inserted;
    await inserted;
  }

  private windowOf(address: string, at: number): Window {
    const w = this.windows.get(address);
    // A clock set back (the test controls) starts a new window too.
    if (w && at >= w.start && at - w.start < FOLD_WINDOW_MS) return w;
    if (this.windows.size >= MAX_ADDRESSES) {
      for (const [a, old] of this.windows) {
        if (at - old.start >= FOLD_WINDOW_MS) this.windows.delete(a);
      }
      if (this.windows.size >= MAX_ADDRESSES) this.windows.clear();
    }
    const fresh: Window = { start: at, kinds: new Map(), first: undefined };
    this.windows.set(address, fresh);
    return fresh;
  }
}
