/**
 * The server's own operations beyond the Wickr API, declared as the API's are (as LocalStack
 * patches its service specs): the signed audit read, the console's sign-in, session and outbox
 * read, its dashboard and access keys, the invitee endpoints, and SCIM 2.0 provisioning. Each
 * is compiled into the same pipeline as an API operation;
 * its traits say how it authenticates, what it counts against which limit and what is audited.
 */
import type { OperationSpec } from '../dsl.js';
import * as accessKeys from './access-keys.js';
import * as audit from './audit.js';
import * as cloudtrail from './cloudtrail.js';
import * as consoleOps from './console.js';
import * as dashboard from './dashboard.js';
import * as invitee from './invitee.js';
import * as scim from './scim.js';

export const extensions = {
  ...audit.operations,
  ...cloudtrail.operations,
  ...consoleOps.operations,
  ...dashboard.operations,
  ...accessKeys.operations,
  ...invitee.operations,
  ...scim.allScimOperations,
};

export type Extensions = typeof extensions;
export type ExtensionName = keyof Extensions;
export const extensionOperations: readonly OperationSpec[] = Object.values(extensions);
