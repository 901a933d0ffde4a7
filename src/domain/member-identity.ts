/**
 * A member's identity, shared by users, bots and guests: the username rules, the one
 * username space of a network (users and bots), and the uname (the username's hash).
 */
import { createHmac } from 'node:crypto';
import type { Reason } from '../contract/errors.js';
import type { Ctx } from './context.js';

export const MAX_USERNAME_LENGTH = 256;

/** The user's username hash: HMAC-SHA256 of the lowercased username with the network's key. */
export function unameOf(unameKeyHex: string, username: string): string {
  return createHmac('sha256', Buffer.from(unameKeyHex, 'hex'))
    .update(username.toLowerCase())
    .digest('hex');
}

/** A username an administrator gives (users and bots): not blank, no outer white space, bounded. */
export function checkUsername(field: string, username: string, reasons: Reason[]): void {
  if (username.trim().length === 0) reasons.push({ field, reason: 'must not be empty' });
  else if (username !== username.trim()) {
    reasons.push({ field, reason: 'must not start or end with white space' });
  } else if (username.length > MAX_USERNAME_LENGTH) {
    reasons.push({ field, reason: `must be at most ${MAX_USERNAME_LENGTH} characters long` });
  }
}

/** Users and bots holding any of these usernames (lowercased), by lowercased username. */
export async function takenUsernames(
  ctx: Ctx,
  networkId: string,
  lowercased: string[],
): Promise<Map<string, { member_id: number; kind: string }>> {
  if (lowercased.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('members')
    .select(['member_id', 'kind', 'username_lc'])
    .where('network_id', '=', networkId)
    .where('username_lc', 'in', lowercased)
    .execute();
  return new Map(
    rows.map((r) => [r.username_lc, { member_id: Number(r.member_id), kind: r.kind }]),
  );
}

/** The user or bot holding `username` (any case), if any. */
export async function usernameHolder(ctx: Ctx, networkId: string, username: string) {
  const lc = username.toLowerCase();
  return (await takenUsernames(ctx, networkId, [lc])).get(lc);
}

export const lowerOrNull = (s: string | undefined | null) =>
  s === undefined || s === null ? null : s.toLowerCase();
