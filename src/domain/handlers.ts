/** Every implemented operation's handler, by operation name. */
import type { OperationName } from '../contract/index.js';
import type { HandlerMap } from './context.js';
import * as bots from './bots.js';
import * as dataRetention from './data-retention.js';
import * as devices from './devices.js';
import * as guestUsers from './guest-users.js';
import * as networks from './networks.js';
import * as oidc from './oidc.js';
import * as opentdf from './opentdf.js';
import * as securityGroups from './security-groups.js';
import * as users from './users.js';

export const handlers: HandlerMap = {
  CreateNetwork: networks.CreateNetwork,
  GetNetwork: networks.GetNetwork,
  ListNetworks: networks.ListNetworks,
  UpdateNetwork: networks.UpdateNetwork,
  DeleteNetwork: networks.DeleteNetwork,
  GetNetworkSettings: networks.GetNetworkSettings,
  // Keeps the dataRetention setting consistent with the data-retention bot.
  UpdateNetworkSettings: dataRetention.UpdateNetworkSettings,
  CreateSecurityGroup: securityGroups.CreateSecurityGroup,
  GetSecurityGroup: securityGroups.GetSecurityGroup,
  ListSecurityGroups: securityGroups.ListSecurityGroups,
  UpdateSecurityGroup: securityGroups.UpdateSecurityGroup,
  DeleteSecurityGroup: securityGroups.DeleteSecurityGroup,
  ListSecurityGroupUsers: users.ListSecurityGroupUsers,
  BatchCreateUser: users.BatchCreateUser,
  BatchDeleteUser: users.BatchDeleteUser,
  BatchLookupUserUname: users.BatchLookupUserUname,
  BatchReinviteUser: users.BatchReinviteUser,
  BatchToggleUserSuspendStatus: users.BatchToggleUserSuspendStatus,
  GetUser: users.GetUser,
  GetUsersCount: users.GetUsersCount,
  ListUsers: users.ListUsers,
  UpdateUser: users.UpdateUser,
  ListDevicesForUser: devices.ListDevicesForUser,
  BatchResetDevicesForUser: devices.BatchResetDevicesForUser,
  CreateBot: bots.CreateBot,
  GetBot: bots.GetBot,
  ListBots: bots.ListBots,
  UpdateBot: bots.UpdateBot,
  DeleteBot: bots.DeleteBot,
  GetBotsCount: bots.GetBotsCount,
  CreateDataRetentionBot: dataRetention.CreateDataRetentionBot,
  CreateDataRetentionBotChallenge: dataRetention.CreateDataRetentionBotChallenge,
  GetDataRetentionBot: dataRetention.GetDataRetentionBot,
  UpdateDataRetention: dataRetention.UpdateDataRetention,
  DeleteDataRetentionBot: dataRetention.DeleteDataRetentionBot,
  ListGuestUsers: guestUsers.ListGuestUsers,
  GetGuestUserHistoryCount: guestUsers.GetGuestUserHistoryCount,
  UpdateGuestUser: guestUsers.UpdateGuestUser,
  ListBlockedGuestUsers: guestUsers.ListBlockedGuestUsers,
  RegisterOidcConfig: oidc.RegisterOidcConfig,
  RegisterOidcConfigTest: oidc.RegisterOidcConfigTest,
  GetOidcInfo: oidc.GetOidcInfo,
  RegisterOpentdfConfig: opentdf.RegisterOpentdfConfig,
  GetOpentdfConfig: opentdf.GetOpentdfConfig,
};

/**
 * Non-GET operations that run without a request-long transaction (unless a client token is
 * given): one that writes nothing, and those that wait on an identity provider or an OpenTDF
 * platform over the network and then write once, atomically. On SQLite a transaction holds the only
 * connection, so a slow issuer must not be awaited inside one.
 */
export const outsideTransaction: ReadonlySet<OperationName> = new Set<OperationName>([
  'BatchLookupUserUname',
  'RegisterOidcConfigTest',
  'RegisterOidcConfig',
  'RegisterOpentdfConfig',
]);
