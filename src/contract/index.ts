/**
 * The Wickr Admin API (2024-02-01) as data: every operation, one file per resource.
 * Routing, binding, validation, docs and the conformance tests are generic over this.
 */
import type { OperationSpec } from './dsl.js';
import * as networks from './networks.js';
import * as securityGroups from './security-groups.js';
import * as users from './users.js';
import * as devices from './devices.js';
import * as bots from './bots.js';
import * as dataRetention from './data-retention.js';
import * as guestUsers from './guest-users.js';
import * as oidc from './oidc.js';
import * as opentdf from './opentdf.js';
import { extensions } from './extensions/index.js';

export const contract = {
  ...networks.operations,
  ...securityGroups.operations,
  ...users.operations,
  ...devices.operations,
  ...bots.operations,
  ...dataRetention.operations,
  ...guestUsers.operations,
  ...oidc.operations,
  ...opentdf.operations,
};

export type Contract = typeof contract;
export type OperationName = keyof Contract;
/** The 44 operations of the Wickr Admin API. */
export const operations: readonly OperationSpec[] = Object.values(contract);

/** Every operation the server runs: the API's and its own extensions (./extensions/). */
export const everyOperation = { ...contract, ...extensions };
export type EveryOperation = typeof everyOperation;
export type AnyOperationName = keyof EveryOperation;
export const allOperations: readonly OperationSpec[] = Object.values(everyOperation);

export * from './dsl.js';
export * from './errors.js';
export * from './serialized.js';
export { extensions, extensionOperations, type ExtensionName } from './extensions/index.js';
