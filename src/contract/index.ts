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
export const operations: readonly OperationSpec[] = Object.values(contract);

export * from './dsl.js';
export * from './errors.js';
export * from './serialized.js';
