/**
 * The invitee endpoints (not operations of the Wickr API): what people and bots call without
 * signing, under /client/v1/networks/{networkId}/. Redeeming or declining an invitation, a
 * bot's sign-in, a federated network's report of a guest, the invitation link (a page for a
 * browser, a description for an app) and the SSO callback. Served by the invitee protocol
 * (surfaces/invitee/protocol.ts): their refusals are BadRequestError with a message naming the
 * members, and the invitation link and its form answer with pages.
 */
import type { LimitRule } from '../dsl.js';
import {
  STANDARD_ERRORS,
  bool,
  enumOf,
  int,
  long,
  nullable,
  operation,
  optional,
  query,
  str,
  struct,
  uri,
} from '../dsl.js';
import { GenericString, NetworkId } from '../scalars.js';

/** Longest username, device name, platform or invite code accepted. */
export const MAX_USERNAME_LENGTH = 256;
export const MAX_TEXT_LENGTH = 256;
/** A bot's challenge (its password) and public key. */
export const MAX_CHALLENGE_LENGTH = 1024;
export const MAX_PUBKEY_LENGTH = 8192;

const text = (max: number) => str({ min: 1, max });
const Username = text(MAX_USERNAME_LENGTH);
const InviteCode = str({ min: 1, max: MAX_TEXT_LENGTH, sensitive: true });
const network = () => uri(NetworkId);

/** Per source address, before the input is read: invite-code guessing is slowed per address. */
const perAddress = (bucket: string, what: string): LimitRule => ({
  limiter: 'address',
  per: 'address',
  bucket,
  what,
});
/** And per person (a username of the network), once the input is valid. */
const perInvitee = (bucket: string, what: string): LimitRule => ({
  limiter: 'invitee',
  per: { member: 'username' },
  bucket,
  what,
});
const REGISTRATION_LIMITS = [
  perAddress('addr', 'registrations'),
  perInvitee('user', 'this user'),
] as const;

/** What every invitee operation is: unsigned, its refusals audited, served by its protocol. */
const invitee = {
  protocol: 'invitee',
  auth: ['none'],
  auditRefusals: 'all',
} as const;

export const Register = operation({
  name: 'Register',
  summary: 'Redeems an invite code: the user becomes active with a device.',
  method: 'POST',
  path: '/client/v1/networks/{networkId}/register',
  ...invitee,
  // A wrong code is counted even though the request is refused.
  ownTransaction: true,
  limits: REGISTRATION_LIMITS,
  input: struct({
    networkId: network(),
    username: Username,
    inviteCode: InviteCode,
    deviceName: text(MAX_TEXT_LENGTH),
    platform: text(MAX_TEXT_LENGTH),
  }),
  output: struct({ userId: GenericString, appId: GenericString, status: int() }),
  errors: STANDARD_ERRORS,
});

export const Decline = operation({
  name: 'Decline',
  summary: 'Turns an invitation down: its code stops working (GetUsersCount: rejected).',
  method: 'POST',
  path: '/client/v1/networks/{networkId}/decline',
  ...invitee,
  ownTransaction: true,
  limits: REGISTRATION_LIMITS,
  input: struct({ networkId: network(), username: Username, inviteCode: InviteCode }),
  output: struct({ userId: GenericString, status: int(), declined: bool() }),
  errors: STANDARD_ERRORS,
});

export const BotSignIn = operation({
  name: 'BotSignIn',
  summary: 'A bot signs in with its challenge; the first success activates it.',
  method: 'POST',
  path: '/client/v1/networks/{networkId}/bots/login',
  ...invitee,
  // Every attempt is counted per address and per bot (token buckets shared by replicas):
  // guessing is slowed, and anonymous failures never lock the bot out for its owner. Its own
  // per-address bucket, so that bots and people registering do not starve each other.
  ownTransaction: true,
  limits: [perAddress('bot-addr', 'bot sign-ins'), perInvitee('bot', 'this bot')],
  input: struct({
    networkId: network(),
    username: Username,
    challenge: str({ min: 1, max: MAX_CHALLENGE_LENGTH, sensitive: true }),
    pubkey: optional(text(MAX_PUBKEY_LENGTH)),
  }),
  output: struct({ botId: GenericString, status: int() }),
  errors: STANDARD_ERRORS,
});

/**
 * A federated network proves itself with SigV4: an access key of the account that holds the
 * network, which its administrator issues to the federated partner, allowed the action
 * `wickr:GuestActivity` (e.g. `wickr-admin keys create --actions wickr:GuestActivity
 * --networks <id>`). An unsigned or refused report writes nothing but its (bounded) audit
 * record; the key's bucket limits its rate, as for any signed call.
 */
export const GuestActivity = operation({
  name: 'GuestActivity',
  summary: 'A federated network reports that one of its people (a guest here) was active.',
  method: 'POST',
  path: '/client/v1/networks/{networkId}/guest-activity',
  protocol: 'invitee',
  auth: ['sigv4'],
  auditRefusals: 'all',
  ownTransaction: true,
  input: struct({
    networkId: network(),
    // With a visible character.
    username: str({ min: 1, max: MAX_USERNAME_LENGTH, pattern: '[\\s\\S]*\\S[\\s\\S]*' }),
  }),
  output: struct({
    networkId: GenericString,
    username: GenericString,
    usernameHash: GenericString,
    billingPeriod: GenericString,
  }),
  errors: STANDARD_ERRORS,
});

const LinkQuery = {
  networkId: network(),
  username: optional(query(str({ max: MAX_USERNAME_LENGTH }), 'username')),
  inviteCode: optional(query(str({ max: MAX_TEXT_LENGTH, sensitive: true }), 'inviteCode')),
};

/**
 * The invitation link opened in a browser: the invitation's state, shown by a page. A wrong
 * code (or unknown username) is counted like a wrong registration and refused; the holder of
 * the right code sees the invitation.
 */
export const ViewInvitation = operation({
  name: 'ViewInvitation',
  summary: 'Shows an invitation link: its state, and the invitation to its code holder.',
  method: 'GET',
  path: '/client/v1/networks/{networkId}/invitation',
  ...invitee,
  readonly: true,
  ownTransaction: true,
  limits: REGISTRATION_LIMITS,
  input: struct(LinkQuery),
  output: struct({
    state: enumOf(['valid', 'used', 'declined'] as const),
    networkId: GenericString,
    networkName: optional(GenericString),
    username: optional(GenericString),
    /** Epoch milliseconds. */
    expiresAt: optional(long()),
  }),
  errors: STANDARD_ERRORS,
});

/** The same link asked for by an app (not a browser): how to redeem it, as before the page. */
export const DescribeInvitationLink = operation({
  name: 'DescribeInvitationLink',
  summary: 'Describes an invitation link to an app: how to redeem its code.',
  method: 'GET',
  path: '/client/v1/networks/{networkId}/invitation',
  ...invitee,
  readonly: true,
  limits: [perAddress('addr', 'registrations')],
  input: struct(LinkQuery),
  output: struct({
    networkId: GenericString,
    username: nullable(GenericString),
    inviteCode: nullable(GenericString),
    register: struct({
      method: GenericString,
      path: GenericString,
      body: struct({
        username: GenericString,
        inviteCode: GenericString,
        deviceName: GenericString,
        platform: GenericString,
      }),
    }),
  }),
  errors: STANDARD_ERRORS,
});

const CallbackText = (name: string) => optional(query(str({ max: 4096 }), name));

/**
 * Where an OIDC provider sends people back after signing in (the configured redirectUrl):
 * shows the code the app exchanges through GetOidcInfo.
 */
export const SsoCallback = operation({
  name: 'SsoCallback',
  summary: "Shows the OIDC provider's answer (the code GetOidcInfo exchanges).",
  method: 'GET',
  path: '/client/v1/networks/{networkId}/sso/callback',
  protocol: 'invitee',
  auth: ['none'],
  readonly: true,
  limits: [],
  input: struct({
    networkId: network(),
    code: CallbackText('code'),
    state: CallbackText('state'),
    error: CallbackText('error'),
    error_description: CallbackText('error_description'),
  }),
  output: struct({
    networkId: GenericString,
    code: nullable(GenericString),
    state: nullable(GenericString),
    error: optional(GenericString),
    errorDescription: optional(nullable(GenericString)),
    exchange: GenericString,
  }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  Register,
  Decline,
  BotSignIn,
  GuestActivity,
  ViewInvitation,
  DescribeInvitationLink,
  SsoCallback,
};
