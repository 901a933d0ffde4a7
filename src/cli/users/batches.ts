/**
 * Sending rows in batches of the API's limit, each with an idempotency token derived from the
 * file, so re-running after a crash never repeats a change.
 */
import { createHash } from 'node:crypto';
import { AdminApiError } from '../../client/index.js';

/** The documented maximum number of items in one batch request. */
export const CHUNK_SIZE = 50;

export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK_SIZE) out.push(items.slice(i, i + CHUNK_SIZE));
  return out;
}

/**
 * A stable idempotency token: the file's hash, the network, the action, the chunk's index and
 * its exact content. Re-running the same file repeats each request with the same token, so a
 * batch the server already performed is answered from its record and never performed twice.
 */
export function clientToken(
  action: string,
  fileHash: string,
  networkId: string,
  index: number,
  content: unknown,
): string {
  const body = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  const h = createHash('sha256')
    .update(`${fileHash}|${networkId}|${action}|${index}|${body}`)
    .digest('hex');
  return `wickr-admin-${action}-${index}-${h.slice(0, 32)}`;
}

export interface ChunkResult<E, R> {
  response?: R;
  /** Entries the response is about. */
  sent: E[];
  /** Entries the API rejected in a ValidationError, with its reason. */
  rejected: { entry: E; row: number; field?: string; reason: string }[];
}

/**
 * Sends one batch. A ValidationError naming items (`users[3].inviteCode`) rejects those items
 * only: they are reported and the rest is sent once more (with its own token, since the body
 * differs). Any other error is fatal and propagates.
 */
export async function sendChunk<E extends { row: number }, R>(
  chunk: E[],
  listField: string,
  send: (items: E[]) => Promise<R>,
): Promise<ChunkResult<E, R>> {
  const rejected: ChunkResult<E, R>['rejected'] = [];
  let items = chunk;
  for (let round = 0; ; round++) {
    try {
      return { response: await send(items), sent: items, rejected };
    } catch (err) {
      if (
        !(err instanceof AdminApiError) ||
        err.errorType !== 'ValidationError' ||
        !err.reasons?.length
      )
        throw err;
      const bad = new Map<number, { field: string; reason: string }[]>();
      const pattern = new RegExp(`^${listField}\\[(\\d+)\\]\\.?(.*)$`);
      for (const r of err.reasons) {
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
            reason: `the batch was rejected: ${err.serverMessage}`,
          });
        return { sent: [], rejected };
      }
    }
  }
}

/** `fn` over `items` with at most `size` calls in flight; results in input order. */
export async function mapPool<T, R>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}
