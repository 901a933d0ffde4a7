/** Every implemented operation's handler, by operation name. */
import type { HandlerMap } from './context.js';
import * as devices from './devices.js';
import * as networks from './networks.js';
import * as securityGroups from './security-groups.js';
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
};
