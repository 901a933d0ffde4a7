/**
 * Sending the rows of a CSV file to the API in batches of its limit, and each row's result:
 * shared by `wickr-admin users` and the console's CSV import, which differ only in how a batch
 * is sent (the signed client, the console's session) and how its error is read.
 */
import {
  createOutcome,
  targetOutcome,
  type CreateItem,
  type CreateResponse,
  type CreateRow,
  type BatchUserResponse,
  type Failure,
  type Success,
  type TargetRow,
} from './users.js';

/** The documented maximum number of items in one batch request. */
export const CHUNK_SIZE = 50;

export function chunks<T>(items: readonly T[], size = CHUNK_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A ValidationError's reasons, as the caller's error type carries them. */
export interface Rejection {
  reasons: readonly { field: string; reason: string }[];
  message: string;
}

/** The Rejection an error is, or undefined for any other error (which is fatal). */
export type RejectionOf = (err: unknown) => Rejection | undefined;

export interface ChunkResult<E, R> {
  response?: R;
  /** Entries the response is about. */
  sent: E[];
  /** Entries the API rejected in a ValidationError, with its reason. */
  rejected: { entry: E; row: number; field?: string; reason: string }[];
}

/**
 * Sends one batch. A ValidationError naming items (`users[3].inviteCode`) rejects those items
 * only: they are reported and the rest is sent once more (the caller gives it its own token,
 * since the body differs). Any other error is fatal and propagates.
 */
export async function sendChunk<E extends { row: number }, R>(
  chunk: E[],
  listField: string,
  send: (items: E[]) => Promise<R>,
  rejectionOf: RejectionOf,
): Promise<ChunkResult<E, R>> {
  const rejected: ChunkResult<E, R>['rejected'] = [];
  let items = chunk;
  for (let round = 0; ; round++) {
    try {
      return { response: await send(items), sent: items, rejected };
    } catch (err) {
      const rejection = rejectionOf(err);
      if (!rejection?.reasons.length) throw err;
      const bad = new Map<number, { field: string; reason: string }[]>();
      const pattern = new RegExp(`^${listField}\\[(\\d+)\\]\\.?(.*)$`);
      for (const r of rejection.reasons) {
        const m = pattern.exec(r.field);
        const i = m ? Number(m[1]) : NaN;
        // A reason about the request as a whole would fail every batch: fatal.
        if (!m || !(i < items.length)) throw err;
        bad.set(i, [...(bad.get(i) ?? []), { field: m[2] || listField, reason: r.reason }]);
      }
      for (const [i, reasons] of bad) {
        const entry = items[i]!;
        rejected.push({
          entry,
          row: entry.row,
          field: reasons[0]!.field,
          reason: reasons.map((r) => `${r.field}: ${r.reason}`).join('; '),
        });
      }
      items = items.filter((_, i) => !bad.has(i));
      if (items.length === 0 || round >= 1) {
        for (const entry of items)
          rejected.push({
            entry,
            row: entry.row,
            reason: `the batch was rejected: ${rejection.message}`,
          });
        return { sent: [], rejected };
      }
    }
  }
}

/** Rows done so far: a caller that catches a fatal error still has what was done before it. */
export interface Results {
  successes: Success[];
  failures: Failure[];
}

/**
 * Creates (invites) the users of an import's rows, batch by batch: each row ends in
 * `into.successes` or `into.failures` with the API's reason for that row. `send` gets each
 * batch's items and index (for an idempotency token); `onBatch` is told how many rows each
 * batch settled.
 */
export async function importRows(
  rows: CreateRow[],
  io: {
    send(users: CreateItem[], index: number): Promise<CreateResponse>;
    rejectionOf: RejectionOf;
    onBatch?(settled: number): void;
  },
  into: Results = { successes: [], failures: [] },
): Promise<Results> {
  for (const [index, chunk] of chunks(rows).entries()) {
    const result = await sendChunk(
      chunk,
      'users',
      (items) =>
        io.send(
          items.map((i) => i.item),
          index,
        ),
      io.rejectionOf,
    );
    into.failures.push(
      ...result.rejected.map(({ entry, row, field, reason }) => ({
        row,
        username: entry.item.username,
        ...(field ? { field } : {}),
        reason,
      })),
    );
    if (result.response) {
      const o = createOutcome(result.sent, result.response);
      into.successes.push(...o.successes);
      into.failures.push(...o.failures);
    }
    io.onBatch?.(chunk.length);
  }
  return into;
}

/** Suspends, unsuspends or deletes the users `entries` name, batch by batch, as importRows. */
export async function actOnUsers(
  entries: TargetRow[],
  verb: string,
  io: {
    send(userIds: string[], index: number): Promise<BatchUserResponse>;
    rejectionOf: RejectionOf;
    onBatch?(settled: number): void;
  },
  into: Results = { successes: [], failures: [] },
): Promise<Results> {
  for (const [index, chunk] of chunks(entries).entries()) {
    const result = await sendChunk(
      chunk,
      'userIds',
      (items) =>
        io.send(
          items.map((e) => e.userId),
          index,
        ),
      io.rejectionOf,
    );
    into.failures.push(
      ...result.rejected.map(({ entry, row, field, reason }) => ({
        row,
        userId: entry.userId,
        ...(entry.username ? { username: entry.username } : {}),
        ...(field ? { field } : {}),
        reason,
      })),
    );
    if (result.response) {
      const o = targetOutcome(result.sent, result.response, verb);
      into.successes.push(...o.successes);
      into.failures.push(...o.failures);
    }
    io.onBatch?.(chunk.length);
  }
  return into;
}
