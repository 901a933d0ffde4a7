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
      }),
    ),
    nextToken: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { SignIn, GetConsoleSession, SignOut, ListOutboxMessages };
