/** The devices (app installations) of a user. */
import { STANDARD_ERRORS, bool, list, operation, optional, struct, uri } from './dsl.js';
import {
  GenericString,
  UserId,
  batchOf,
  clientTokenHeader,
  networkIdLabel,
  paging,
} from './scalars.js';

const BasicDeviceObject = struct({
  appId: optional(GenericString),
  created: optional(GenericString),
  lastLogin: optional(GenericString),
  statusText: optional(GenericString),
  suspend: optional(bool()),
  type: optional(GenericString),
});

export const ListDevicesForUser = operation({
  name: 'ListDevicesForUser',
  summary: 'Lists the devices a user has signed in on.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/users/{userId}/devices',
  input: struct({ networkId: networkIdLabel(), userId: uri(UserId), ...paging() }),
  output: struct({ nextToken: optional(GenericString), devices: list(BasicDeviceObject) }),
  errors: STANDARD_ERRORS,
});

export const BatchResetDevicesForUser = operation({
  name: 'BatchResetDevicesForUser',
  summary: 'Resets (signs out and wipes) up to 50 devices of a user.',
  method: 'PATCH',
  path: '/networks/{networkId}/users/{userId}/devices',
  input: struct({
    networkId: networkIdLabel(),
    userId: uri(UserId),
    appIds: batchOf(GenericString),
    clientToken: clientTokenHeader(),
  }),
  output: struct({
    message: optional(GenericString),
    successful: optional(list(struct({ appId: GenericString }))),
    failed: optional(
      list(
        struct({
          field: optional(GenericString),
          reason: optional(GenericString),
          appId: GenericString,
        }),
      ),
    ),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { ListDevicesForUser, BatchResetDevicesForUser };
