/**
 * Invite codes and their validity: how a code is generated, how long it is valid, and which
 * custom codes and validities an administrator may give. The members owner builds a pending
 * user's invitation with them; invitations.ts e-mails the code.
 */
import { randomInt } from 'node:crypto';
import type { Reason } from '../contract/errors.js';

export const DEFAULT_INVITE_TTL_DAYS = 7;
export const MAX_INVITE_TTL_DAYS = 365;
const DAY_MS = 86_400_000;

// No 0/O, 1/I/L: codes are read from e-mails and typed by people.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;

export function generateInviteCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export const inviteExpiry = (now: number, ttlDays: number) => now + ttlDays * DAY_MS;

export const MAX_INVITE_CODE_LENGTH = 64;

/** A custom invite code and its validity, as an administrator gives them. */
export function checkInvite(
  prefix: string,
  item: { inviteCode?: string; inviteCodeTtl?: number },
  reasons: Reason[],
): void {
  if (item.inviteCode !== undefined) {
    if (!/^\S{4,}$/.test(item.inviteCode) || item.inviteCode.length > MAX_INVITE_CODE_LENGTH) {
      reasons.push({
        field: `${prefix}inviteCode`,
        reason: `must be 4 to ${MAX_INVITE_CODE_LENGTH} characters without white space`,
      });
    }
  }
  if (
    item.inviteCodeTtl !== undefined &&
    (item.inviteCodeTtl < 1 || item.inviteCodeTtl > MAX_INVITE_TTL_DAYS)
  ) {
    reasons.push({
      field: `${prefix}inviteCodeTtl`,
      reason: `must be between 1 and ${MAX_INVITE_TTL_DAYS} days`,
    });
  }
}
