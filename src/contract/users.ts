/** Users of a network: invitations, lookups, suspension, and profile updates. */
import {
  STANDARD_ERRORS,
  bool,
  int,
  list,
  operation,
  optional,
  query,
  str,
  struct,
  timestamp,
  uri,
} from './dsl.js';
import {
  GenericString,
  NetworkId,
  SecurityGroupId,
  SensitiveString,
  UserId,
  batchOf,
  clientTokenHeader,
  networkIdLabel,
  paging,
} from './scalars.js';
import { preserialized } from './serialized.js';

/** A user's username hash. The model gives it no constraints at all. */
const Uname = str();
/** Documented: 1 for pending invitation, 2 for active. */
const UserStatus = int();

/** A user as listed by ListUsers, ListSecurityGroupUsers and BatchCreateUser. */
export const User = struct({
  userId: optional(UserId),
  firstName: optional(SensitiveString),
  lastName: optional(SensitiveString),
  username: optional(GenericString),
  securityGroups: optional(list(SecurityGroupId)),
  isAdmin: optional(bool()),
  suspended: optional(bool()),
  status: optional(int()),
  otpEnabled: optional(bool()),
  scimId: optional(GenericString),
  type: optional(GenericString),
  cell: optional(GenericString),
  countryCode: optional(GenericString),
  challengeFailures: optional(int()),
  isInviteExpired: optional(bool()),
  isUser: optional(bool()),
  inviteCode: optional(GenericString),
  codeValidation: optional(bool()),
  uname: optional(GenericString),
});

const BatchCreateUserRequestItem = struct({
  firstName: optional(SensitiveString),
  lastName: optional(SensitiveString),
  securityGroupIds: list(SecurityGroupId),
  username: GenericString,
  inviteCode: optional(GenericString),
  inviteCodeTtl: optional(int()),
  codeValidation: optional(bool()),
});

const BatchUserSuccessResponseItem = struct({ userId: UserId });
const BatchUserErrorResponseItem = struct({
  field: optional(GenericString),
  reason: optional(GenericString),
  userId: UserId,
});

/** The output shape shared by the batch operations that act on user IDs. */
const batchUserOutput = () =>
  struct({
    message: optional(GenericString),
    successful: optional(list(BatchUserSuccessResponseItem)),
    failed: optional(list(BatchUserErrorResponseItem)),
  });

export const BatchCreateUser = operation({
  name: 'BatchCreateUser',
  summary: 'Invites up to 50 users into a network.',
  method: 'POST',
  path: '/networks/{networkId}/users',
  input: struct({
    networkId: networkIdLabel(),
    users: batchOf(BatchCreateUserRequestItem),
    clientToken: clientTokenHeader(),
  }),
  output: struct({
    message: optional(GenericString),
    successful: optional(list(User)),
    failed: optional(list(BatchUserErrorResponseItem)),
  }),
  errors: STANDARD_ERRORS,
});

export const BatchDeleteUser = operation({
  name: 'BatchDeleteUser',
  summary: 'Deletes up to 50 users from a network.',
  method: 'POST',
  path: '/networks/{networkId}/users/batch-delete',
  input: struct({
    networkId: networkIdLabel(),
    userIds: batchOf(UserId),
    clientToken: clientTokenHeader(),
  }),
  output: batchUserOutput(),
  errors: STANDARD_ERRORS,
});

export const BatchLookupUserUname = operation({
  name: 'BatchLookupUserUname',
  summary: 'Resolves up to 50 username hashes (unames) to usernames.',
  method: 'POST',
  readonly: true,
  // The hot path: the tenancy step reads only the network's ID and lookup version.
  tenancy: 'network-version',
  path: '/networks/{networkId}/users/uname-lookup',
  input: struct({
    networkId: networkIdLabel(),
    unames: batchOf(GenericString),
    clientToken: clientTokenHeader(),
  }),
  output: struct({
    message: optional(GenericString),
    // Cached answer items are kept as JSON, written by the writer of this item shape.
    successful: optional(preserialized(list(struct({ uname: Uname, username: GenericString })))),
    failed: optional(
      preserialized(
        list(
          struct({
            field: optional(GenericString),
            reason: optional(GenericString),
            uname: Uname,
          }),
        ),
      ),
    ),
  }),
  errors: STANDARD_ERRORS,
});

export const BatchReinviteUser = operation({
  name: 'BatchReinviteUser',
  summary: 'Re-sends invitations to up to 50 pending users.',
  method: 'PATCH',
  path: '/networks/{networkId}/users/re-invite',
  input: struct({
    networkId: networkIdLabel(),
    userIds: batchOf(UserId),
    clientToken: clientTokenHeader(),
  }),
  output: batchUserOutput(),
  errors: STANDARD_ERRORS,
});

export const BatchToggleUserSuspendStatus = operation({
  name: 'BatchToggleUserSuspendStatus',
  summary: 'Suspends or unsuspends up to 50 users.',
  method: 'PATCH',
  path: '/networks/{networkId}/users/toggleSuspend',
  input: struct({
    networkId: networkIdLabel(),
    suspend: query(bool(), 'suspend'),
    userIds: batchOf(UserId),
    clientToken: clientTokenHeader(),
  }),
  output: batchUserOutput(),
  errors: STANDARD_ERRORS,
});

export const GetUser = operation({
  name: 'GetUser',
  summary: 'Describes one user, optionally within an activity time window.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/users/{userId}',
  input: struct({
    networkId: networkIdLabel(),
    userId: uri(UserId),
    startTime: optional(query(timestamp(), 'startTime')),
    endTime: optional(query(timestamp(), 'endTime')),
  }),
  output: struct({
    userId: UserId,
    firstName: optional(SensitiveString),
    lastName: optional(SensitiveString),
    username: optional(GenericString),
    isAdmin: optional(bool()),
    suspended: optional(bool()),
    status: optional(int()),
    lastActivity: optional(int()),
    lastLogin: optional(int()),
    securityGroupIds: optional(list(SecurityGroupId)),
  }),
  errors: STANDARD_ERRORS,
});

export const GetUsersCount = operation({
  name: 'GetUsersCount',
  summary: 'Counts the users of a network by status.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/users/count',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({
    pending: int(),
    active: int(),
    rejected: int(),
    remaining: int(),
    total: int(),
  }),
  errors: STANDARD_ERRORS,
});

export const ListUsers = operation({
  name: 'ListUsers',
  summary: 'Lists the users of a network, with optional filters.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/users',
  input: struct({
    networkId: networkIdLabel(),
    ...paging(),
    firstName: optional(query(SensitiveString, 'firstName')),
    lastName: optional(query(SensitiveString, 'lastName')),
    username: optional(query(GenericString, 'username')),
    status: optional(query(UserStatus, 'status')),
    groupId: optional(query(GenericString, 'groupId')),
  }),
  output: struct({ nextToken: optional(GenericString), users: optional(list(User)) }),
  errors: STANDARD_ERRORS,
});

export const UpdateUser = operation({
  name: 'UpdateUser',
  summary: "Changes a user's name, username, security groups or invite code.",
  method: 'PATCH',
  path: '/networks/{networkId}/users',
  input: struct({
    networkId: networkIdLabel(),
    // The user is named in the body, not in the path.
    userId: UserId,
    userDetails: optional(
      struct({
        firstName: optional(SensitiveString),
        lastName: optional(SensitiveString),
        username: optional(GenericString),
        securityGroupIds: optional(list(SecurityGroupId)),
        inviteCode: optional(GenericString),
        inviteCodeTtl: optional(int()),
        codeValidation: optional(bool()),
      }),
    ),
  }),
  output: struct({
    userId: UserId,
    networkId: NetworkId,
    securityGroupIds: optional(list(SecurityGroupId)),
    firstName: optional(SensitiveString),
    lastName: optional(SensitiveString),
    middleName: optional(GenericString),
    suspended: bool(),
    modified: optional(int()),
    status: optional(int()),
    inviteCode: optional(GenericString),
    inviteExpiration: optional(int()),
    codeValidation: optional(bool()),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  BatchCreateUser,
  BatchDeleteUser,
  BatchLookupUserUname,
  BatchReinviteUser,
  BatchToggleUserSuspendStatus,
  GetUser,
  GetUsersCount,
  ListUsers,
  UpdateUser,
};
