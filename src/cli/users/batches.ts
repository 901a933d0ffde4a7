/**
 * The CLI's side of sending rows in batches (the batching itself is src/client/csv/batches.ts,
 * shared with the console): idempotency tokens derived from the file, so re-running after a
 * crash never repeats a change, and a bounded pool for look-ups.
 */
import { createHash } from 'node:crypto';
import { AdminApiError } from '../../client/index.js';
import type { Rejection } from '../../client/csv/batches.js';

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

/** A ValidationError of the signed client as the shared batching reads it. */
export function rejectionOf(err: unknown): Rejection | undefined {
  if (!(err instanceof AdminApiError) || err.errorType !== 'ValidationError') return undefined;
  return { reasons: err.reasons ?? [], message: err.serverMessage };
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
