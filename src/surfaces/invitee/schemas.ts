/**
 * The invitee endpoints' request shapes (TypeBox). They are not part of the AWS contract, so
 * they live with their surface; Fastify validates each request against them before a handler
 * runs, and the domain receives typed input.
 */
import { Type, type Static, type TString } from '@sinclair/typebox';
import { MAX_CHALLENGE_LENGTH, MAX_PUBKEY_LENGTH } from '../../domain/bots.js';
import { MAX_USERNAME_LENGTH } from '../../domain/member-identity.js';

/** Longest device name, platform or invite code accepted (they are free text otherwise). */
export const MAX_TEXT_LENGTH = 256;

// PostgreSQL cannot store U+0000 in text (SQLite can): refused on both engines alike.
const NO_NUL = '^[^\\u0000]*$';
// A guest's username must also have a visible character.
const NO_NUL_NOT_BLANK = '^(?=[^\\u0000]*\\S)[^\\u0000]*$';

const text = (maxLength: number, pattern = NO_NUL): TString =>
  Type.String({ minLength: 1, maxLength, pattern });

export const NetworkParams = Type.Object({
  networkId: Type.String({ pattern: '^\\d{8}$' }),
});
export type NetworkParams = Static<typeof NetworkParams>;

export const RegisterBody = Type.Object({
  username: text(MAX_USERNAME_LENGTH),
  inviteCode: text(MAX_TEXT_LENGTH),
  deviceName: text(MAX_TEXT_LENGTH),
  platform: text(MAX_TEXT_LENGTH),
});
export type RegisterBody = Static<typeof RegisterBody>;

export const DeclineBody = Type.Object({
  username: text(MAX_USERNAME_LENGTH),
  inviteCode: text(MAX_TEXT_LENGTH),
});
export type DeclineBody = Static<typeof DeclineBody>;

export const BotLoginBody = Type.Object({
  username: text(MAX_USERNAME_LENGTH),
  challenge: text(MAX_CHALLENGE_LENGTH),
  pubkey: Type.Optional(Type.Union([text(MAX_PUBKEY_LENGTH), Type.Null()])),
});
export type BotLoginBody = Static<typeof BotLoginBody>;

export const GuestActivityBody = Type.Object({
  username: text(MAX_USERNAME_LENGTH, NO_NUL_NOT_BLANK),
});
export type GuestActivityBody = Static<typeof GuestActivityBody>;

/** The invitation link's query: both members optional, so a broken link still gets a page. */
export const InvitationQuery = Type.Object({
  username: Type.Optional(Type.String({ maxLength: MAX_USERNAME_LENGTH, pattern: NO_NUL })),
  inviteCode: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, pattern: NO_NUL })),
});
export type InvitationQuery = Static<typeof InvitationQuery>;

/** The invitation page's form (application/x-www-form-urlencoded). */
export const InvitationForm = Type.Object({
  action: Type.Union([Type.Literal('register'), Type.Literal('decline')]),
  username: text(MAX_USERNAME_LENGTH),
  inviteCode: text(MAX_TEXT_LENGTH),
  deviceName: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, pattern: NO_NUL })),
  platform: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, pattern: NO_NUL })),
});
export type InvitationForm = Static<typeof InvitationForm>;

export const SsoCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096, pattern: NO_NUL })),
  state: Type.Optional(Type.String({ maxLength: 4096, pattern: NO_NUL })),
  error: Type.Optional(Type.String({ maxLength: 4096, pattern: NO_NUL })),
  error_description: Type.Optional(Type.String({ maxLength: 4096, pattern: NO_NUL })),
});
export type SsoCallbackQuery = Static<typeof SsoCallbackQuery>;
