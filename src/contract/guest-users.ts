/** Guest users: federated users from outside the network, and the guest blocklist. */
import { STANDARD_ERRORS, bool, list, operation, optional, query, struct, uri } from './dsl.js';
import { GenericString, messageOnly, networkIdLabel, paging } from './scalars.js';

const GuestUser = struct({
  billingPeriod: GenericString,
  username: GenericString,
  usernameHash: GenericString,
});

const BlockedGuestUser = struct({
  username: GenericString,
  admin: GenericString,
  modified: GenericString,
  usernameHash: GenericString,
});

export const ListGuestUsers = operation({
  name: 'ListGuestUsers',
  summary: 'Lists the guest users that accessed a network, by billing period.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/guest-users',
  input: struct({
    networkId: networkIdLabel(),
    ...paging(),
    username: optional(query(GenericString, 'username')),
    billingPeriod: optional(query(GenericString, 'billingPeriod')),
  }),
  output: struct({ nextToken: optional(GenericString), guestlist: list(GuestUser) }),
  errors: STANDARD_ERRORS,
});

export const GetGuestUserHistoryCount = operation({
  name: 'GetGuestUserHistoryCount',
  summary: 'Counts guest users per month.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/guest-users/count',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({
    history: list(struct({ month: GenericString, count: GenericString })),
  }),
  errors: STANDARD_ERRORS,
});

export const UpdateGuestUser = operation({
  name: 'UpdateGuestUser',
  summary: 'Blocks or unblocks a guest user.',
  method: 'PATCH',
  path: '/networks/{networkId}/guest-users/{usernameHash}',
  input: struct({
    networkId: networkIdLabel(),
    usernameHash: uri(GenericString),
    block: bool(),
  }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const ListBlockedGuestUsers = operation({
  name: 'ListBlockedGuestUsers',
  summary: 'Lists the blocked guest users of a network.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/guest-users/blocklist',
  input: struct({
    networkId: networkIdLabel(),
    ...paging(),
    username: optional(query(GenericString, 'username')),
    admin: optional(query(GenericString, 'admin')),
  }),
  output: struct({ nextToken: optional(GenericString), blocklist: list(BlockedGuestUser) }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  ListGuestUsers,
  GetGuestUserHistoryCount,
  UpdateGuestUser,
  ListBlockedGuestUsers,
};
