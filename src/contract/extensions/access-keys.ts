/**
 * Access keys managed from the console (the same rules as `wickr-admin keys`): list, create
 * (the secret answered once, sensitive: masked in the audit record, never logged) and revoke.
 * Every one needs the action `wickr:ManageAccessKeys` in the caller's policy (`*` and
 * `wickr:*` include it, as the root key's does); a key never grants more than it holds.
 */
import {
  STANDARD_ERRORS,
  bool,
  list,
  nullable,
  operation,
  optional,
  str,
  struct,
  uri,
} from '../dsl.js';
import { GenericString, NetworkId } from '../scalars.js';

/** The action that lets a key manage access keys (checked as `wickr:ManageAccessKeys`). */
export const MANAGE_ACCESS_KEYS = 'ManageAccessKeys';

// As sign-in takes it: an operator may have named the root key otherwise than AKIA…
const AccessKeyId = str({ min: 1, max: 128, pattern: '[A-Za-z0-9]+' });

export const AccessKeySummary = struct({
  accessKeyId: GenericString,
  /** The owner's name, as an IAM user's ("root" for account-level keys). */
  userName: GenericString,
  label: nullable(GenericString),
  createdAt: GenericString,
  /** To the minute; null when not used since the server began recording it. */
  lastUsedAt: nullable(GenericString),
  revokedAt: nullable(GenericString),
  /** The networks the key is limited to; null: every network of the account. */
  networks: nullable(list(GenericString)),
  actions: list(GenericString),
});

export const ListAccessKeys = operation({
  name: 'ListAccessKeys',
  summary: "The account's access keys (never their secrets), oldest first.",
  method: 'GET',
  readonly: true,
  path: '/console/api/access-keys',
  protocol: 'console',
  auth: ['console'],
  action: MANAGE_ACCESS_KEYS,
  input: struct({}),
  output: struct({ accessKeys: list(AccessKeySummary) }),
  errors: STANDARD_ERRORS,
});

export const CreateAccessKey = operation({
  name: 'CreateAccessKey',
  summary: "Creates an access key of the caller's account; its secret is answered only here.",
  method: 'POST',
  path: '/console/api/access-keys',
  protocol: 'console',
  auth: ['console'],
  action: MANAGE_ACCESS_KEYS,
  input: struct({
    /** Allowed actions: `wickr:<Operation>`, wildcards such as `wickr:List*`, or `*`. */
    actions: list(str({ min: 1, max: 128 }), { min: 1, max: 100 }),
    /** The networks the key is limited to; none: every network of the account. */
    networks: optional(list(NetworkId, { max: 100 })),
    label: optional(str({ min: 1, max: 256 })),
    /** The owner's name (default "root"): 1-64 letters, digits or + = , . @ _ - */
    userName: optional(str({ min: 1, max: 64 })),
  }),
  output: struct({
    accessKeyId: GenericString,
    secretAccessKey: str({ sensitive: true }),
    accessKey: AccessKeySummary,
  }),
  errors: STANDARD_ERRORS,
});

export const RevokeAccessKey = operation({
  name: 'RevokeAccessKey',
  summary: "Revokes an access key of the caller's account: it is refused from then on.",
  method: 'DELETE',
  path: '/console/api/access-keys/{accessKeyId}',
  protocol: 'console',
  auth: ['console'],
  action: MANAGE_ACCESS_KEYS,
  input: struct({ accessKeyId: uri(AccessKeyId) }),
  output: struct({
    accessKey: AccessKeySummary,
    /** It was revoked before this request (a retry): nothing changed. */
    alreadyRevoked: bool(),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { ListAccessKeys, CreateAccessKey, RevokeAccessKey };
