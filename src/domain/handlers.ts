/** Every implemented operation's handler, by operation name. */
import type { HandlerMap } from './context.js';
import * as bots from './bots.js';
import * as dataRetention from './data-retention.js';
import * as devices from './devices.js';
import * as guestUsers from './guest-users.js';
import * as networks from './networks.js';
import * as oidc from './oidc.js';
import * as opentdf from './opentdf.js';
import * as securityGroups from './security-groups.js';
import * as userBatches from './user-batches.js';
import * as userLookup from './user-lookup.js';
import * as users from './users.js';

export const handlers: HandlerMap = {
  CreateNetwork: networks.CreateNetwork,
  GetNetwork: networks.GetNetwork,
  ListNetworks: networks.ListNetworks,
  UpdateNetwork: networks.UpdateNetwork,
  DeleteNetwork: networks.DeleteNetwork,
  GetNetworkSettings: networks.GetNetworkSettings,
  UpdateNetworkSettings: networks.UpdateNetworkSettings,
  CreateSecurityGroup: securityGroups.CreateSecurityGroup,
  GetSecurityGroup: securityGroups.GetSecurityGroup,
  ListSecurityGroups: securityGroups.ListSecurityGroups,
  UpdateSecurityGroup: securityGroups.UpdateSecurityGroup,
  DeleteSecurityGroup: securityGroups.DeleteSecurityGroup,
  ListSecurityGroupUsers: securityGroups.ListSecurityGroupUsers,
  BatchCreateUser: userBatches.BatchCreateUser,
  BatchDeleteUser: userBatches.BatchDeleteUser,
  BatchLookupUserUname: userLookup.BatchLookupUserUname,
  BatchReinviteUser: userBatches.BatchReinviteUser,
  BatchToggleUserSuspendStatus: userBatches.BatchToggleUserSuspendStatus,
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
