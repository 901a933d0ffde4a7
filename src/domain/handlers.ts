/** Every implemented operation's handler, by operation name. */
import type { HandlerMap } from './context.js';
import * as networks from './networks.js';
import * as securityGroups from './security-groups.js';

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
};
