/**
 * The web console's own operations (not operations of the Wickr API), served under
 * /console/api/ by the console's protocol: sign-in with an access key (a session cookie and a
 * CSRF token), the session, sign-out, and a network's invitations (its outbox). Every Admin
 * API operation is also the console's, called by name (POST /console/api/operations/{name})
 * with the session's key.
 */
import type { LimitRule } from '../dsl.js';
import {
  STANDARD_ERRORS,
  bool,
  enumOf,
  header,
  int,
  list,
  nullable,
  operation,
  optional,
  query,
  str,
  struct,
  uri,
} from '../dsl.js';
import { GenericString, NetworkId, SensitiveString } from '../scalars.js';

/** The session cookie the answer sets (or clears), as a Set-Cookie header. */
const SessionCookie = optional(header(SensitiveString, 'Set-Cookie'));

const Session = {
  accessKeyId: GenericString,
  accountId: GenericString,
  region: GenericString,
  actions: list(GenericString),
  /** The networks the key is limited to; null: every network of the account. */
  networks: nullable(list(GenericString)),
  csrfToken: SensitiveString,
  expiresAt: GenericString,
};

/** The sign-in lockouts: per address, and per access key (the member it claims). */
export const SIGN_IN_LIMITS = [
  { limiter: 'sign-in', per: 'address', bucket: 'sign-in', what: 'failed sign-ins' },
  {
    limiter: 'sign-in-key',
    per: { member: 'accessKeyId' },
    bucket: 'sign-in-key',
    what: 'failed sign-ins for this access key',
  },
] as const satisfies readonly LimitRule[];

export const SignIn = operation({
  name: 'SignIn',
  summary: 'Signs in to the console with an access key: a session cookie and a CSRF token.',
  method: 'POST',
  path: '/console/api/session',
  protocol: 'console',
  auth: ['none'],
  auditRefusals: 'all',
  claimsKey: 'accessKeyId',
  // Failed sign-ins back off per address and per access key, shared by replicas
  // (pipeline/shared-limits.ts); a success clears its key's counter only.
  limits: SIGN_IN_LIMITS,
  input: struct({
    // An access key ID (surrounding blanks are ignored): a secret pasted here is refused.
    accessKeyId: str({ min: 1, max: 256, pattern: '\\s*[A-Za-z0-9]{1,128}\\s*' }),
    secretAccessKey: str({ min: 1, max: 1024, sensitive: true }),
    region: optional(str({ pattern: '[a-z]{2}(-[a-z]+)+-\\d' })),
  }),
  output: struct({ signedIn: bool(), ...Session, sessionCookie: SessionCookie }),
  errors: STANDARD_ERRORS,
});

export const GetConsoleSession = operation({
  name: 'GetConsoleSession',
  summary: 'Says whether this browser is signed in, and as which key.',
  method: 'GET',
  readonly: true,
  path: '/console/api/session',
  protocol: 'console',
  // Not signed in is an answer here, not an error: the handler reads the cookie itself.
  auth: ['none'],
  limits: [],
  input: struct({ cookie: optional(header(SensitiveString, 'Cookie')) }),
  output: struct({
    signedIn: bool(),
    /** Why not, when not signed in. */
    message: optional(GenericString),
    accessKeyId: optional(Session.accessKeyId),
    accountId: optional(Session.accountId),
    region: optional(Session.region),
    actions: optional(Session.actions),
    networks: optional(Session.networks),
    csrfToken: optional(Session.csrfToken),
    expiresAt: optional(Session.expiresAt),
    sessionCookie: SessionCookie,
  }),
  errors: STANDARD_ERRORS,
});

export const SignOut = operation({
  name: 'SignOut',
  summary: "Ends the console session (the cookie's).",
  method: 'DELETE',
  path: '/console/api/session',
  protocol: 'console',
  auth: ['console'],
  // Whatever its key's policy allows, a session may end itself.
  action: false,
  input: struct({}),
  output: struct({ sessionCookie: SessionCookie }),
  errors: STANDARD_ERRORS,
});

/** The outbox's statuses as the filter takes them (the store's OutboxStatus, a test checks). */
export const OUTBOX_FILTER_STATUSES = [
  'pending',
  'sent',
  'failed',
  'superseded',
  'withdrawn',
] as const;

export const ListOutboxMessages = operation({
  name: 'ListOutboxMessages',
  summary: "A network's invitation e-mails (its outbox), newest first, without their bodies.",
  method: 'GET',
  readonly: true,
  path: '/console/api/networks/{networkId}/outbox',
  protocol: 'console',
  auth: ['console'],
  // The outbox holds the network's invitations: reading it needs what listing users needs.
  action: 'ListUsers',
  input: struct({
    networkId: uri(NetworkId),
    status: optional(query(enumOf(OUTBOX_FILTER_STATUSES), 'status')),
    /** One user's messages (a pending user's invitation in the user's panel). */
    userId: optional(query(str({ pattern: '[0-9]{1,10}' }), 'userId')),
    nextToken: optional(query(str({ pattern: '\\d{1,15}' }), 'nextToken')),
    maxResults: optional(query(int({ min: 1, max: 100 }), 'maxResults')),
  }),
  output: struct({
    messages: list(
      struct({
        id: GenericString,
        userId: nullable(GenericString),
        kind: GenericString,
        recipient: GenericString,
        subject: GenericString,
        status: GenericString,
        attempts: int(),
        createdAt: nullable(GenericString),
        sentAt: nullable(GenericString),
        nextAttemptAt: nullable(GenericString),
        lastError: nullable(GenericString),
        /** When the code this message carries expires; null once it is no longer the user's. */
        inviteExpiresAt: nullable(GenericString),
      }),
    ),
    nextToken: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

/**
 * What the console needs to know of the server for a network's pages and that the API does
 * not say: whether invitation e-mails can leave (WICKR_SMTP_URL), the SSO callback URL the
 * server's OIDC flow sends to the identity provider, and the network's SCIM base URL (both from
 * WICKR_PUBLIC_URL). Nothing secret.
 */
export const GetConsoleNetworkInfo = operation({
  name: 'GetConsoleNetworkInfo',
  summary: "Whether mail is configured, and the network's SSO callback URL and SCIM base URL.",
  method: 'GET',
  readonly: true,
  path: '/console/api/networks/{networkId}/info',
  protocol: 'console',
  auth: ['console'],
  // Anyone who may see the network may see these.
  action: 'GetNetwork',
  input: struct({ networkId: uri(NetworkId) }),
  output: struct({
    mailConfigured: bool(),
    ssoCallbackUrl: GenericString,
    scimBaseUrl: GenericString,
  }),
  errors: STANDARD_ERRORS,
});

/** The action a key's policy must allow to see invite codes (not matched by Get* or List*). */
export const INVITE_LINK_ACTION = 'RevealInvitationLinks';

/**
 * Pending users' invitation links (the invite code inside), so an administrator can hand them
 * over when no e-mail leaves. A read, but of a secret: every success is audited, and the link
 * is sensitive (never in a log line).
 */
export const RevealInvitationLinks = operation({
  name: INVITE_LINK_ACTION,
  summary: "Pending users' invitation links and their expiry (an audited read of invite codes).",
  method: 'POST',
  readonly: true,
  auditReads: true,
  path: '/console/api/networks/{networkId}/invitation-links',
  protocol: 'console',
  auth: ['console'],
  input: struct({
    networkId: uri(NetworkId),
    userIds: list(str({ pattern: '[0-9]{1,10}' }), { min: 1, max: 100 }),
  }),
  output: struct({
    invitations: list(
      struct({
        userId: GenericString,
        username: GenericString,
        inviteLink: SensitiveString,
        expiresAt: GenericString,
        expired: bool(),
      }),
    ),
    /** Users named that have no invitation to show: not found, active, or declined. */
    failed: list(struct({ userId: GenericString, reason: GenericString })),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  SignIn,
  GetConsoleSession,
  SignOut,
  ListOutboxMessages,
  GetConsoleNetworkInfo,
  RevealInvitationLinks,
};
