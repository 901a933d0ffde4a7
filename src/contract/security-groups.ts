/** Security groups: the permission and federation settings users and bots are placed in. */
import { STANDARD_ERRORS, bool, int, list, long, operation, optional, struct, uri } from './dsl.js';
import {
  GenericString,
  NetworkId,
  clientTokenHeader,
  messageOnly,
  networkIdLabel,
  paging,
} from './scalars.js';
import { User } from './users.js';

const groupIdLabel = () => uri(GenericString);

const PermittedWickrAwsNetwork = struct({ region: GenericString, networkId: NetworkId });
const PermittedWickrEnterpriseNetwork = struct({ domain: GenericString, networkId: NetworkId });

const CallingSettings = struct({
  canStart11Call: optional(bool()),
  canVideoCall: optional(bool()),
  forceTcpCall: optional(bool()),
});

const PasswordRequirements = struct({
  lowercase: optional(int()),
  minLength: optional(int()),
  numbers: optional(int()),
  symbols: optional(int()),
  uppercase: optional(int()),
});

const ShredderSettings = struct({
  canProcessManually: optional(bool()),
  intensity: optional(int()),
});

/** The full settings of a group, as returned and as accepted by UpdateSecurityGroup. */
export const SecurityGroupSettings = struct({
  alwaysReauthenticate: optional(bool()),
  atakPackageValues: optional(list(GenericString)),
  calling: optional(CallingSettings),
  checkForUpdates: optional(bool()),
  enableAtak: optional(bool()),
  enableCrashReports: optional(bool()),
  enableFileDownload: optional(bool()),
  enableGuestFederation: optional(bool()),
  enableNotificationPreview: optional(bool()),
  enableOpenAccessOption: optional(bool()),
  enableRestrictedGlobalFederation: optional(bool()),
  filesEnabled: optional(bool()),
  forceDeviceLockout: optional(int()),
  forceOpenAccess: optional(bool()),
  forceReadReceipts: optional(bool()),
  globalFederation: optional(bool()),
  isAtoEnabled: optional(bool()),
  isLinkPreviewEnabled: optional(bool()),
  locationAllowMaps: optional(bool()),
  locationEnabled: optional(bool()),
  maxAutoDownloadSize: optional(long()),
  maxBor: optional(int()),
  maxTtl: optional(long()),
  messageForwardingEnabled: optional(bool()),
  passwordRequirements: optional(PasswordRequirements),
  presenceEnabled: optional(bool()),
  quickResponses: optional(list(GenericString)),
  showMasterRecoveryKey: optional(bool()),
  shredder: optional(ShredderSettings),
  ssoMaxIdleMinutes: optional(int()),
  maxNonSsoSessionMinutes: optional(int({ min: 0, max: 525600 })),
  federationMode: optional(int()),
  lockoutThreshold: optional(int()),
  permittedNetworks: optional(list(NetworkId)),
  permittedWickrAwsNetworks: optional(list(PermittedWickrAwsNetwork)),
  permittedWickrEnterpriseNetworks: optional(list(PermittedWickrEnterpriseNetwork)),
});

/** The subset of settings CreateSecurityGroup accepts. */
export const SecurityGroupSettingsRequest = struct({
  lockoutThreshold: optional(int()),
  permittedNetworks: optional(list(NetworkId)),
  enableGuestFederation: optional(bool()),
  globalFederation: optional(bool()),
  federationMode: optional(int()),
  enableRestrictedGlobalFederation: optional(bool()),
  permittedWickrAwsNetworks: optional(list(PermittedWickrAwsNetwork)),
  permittedWickrEnterpriseNetworks: optional(list(PermittedWickrEnterpriseNetwork)),
});

export const SecurityGroup = struct({
  activeMembers: int(),
  botMembers: int(),
  activeDirectoryGuid: optional(GenericString),
  id: GenericString,
  isDefault: bool(),
  name: GenericString,
  modified: int(),
  securityGroupSettings: SecurityGroupSettings,
});

export const CreateSecurityGroup = operation({
  name: 'CreateSecurityGroup',
  summary: 'Creates a security group in a network.',
  method: 'POST',
  path: '/networks/{networkId}/security-groups',
  input: struct({
    networkId: networkIdLabel(),
    name: GenericString,
    securityGroupSettings: SecurityGroupSettingsRequest,
    clientToken: clientTokenHeader(),
  }),
  output: struct({ securityGroup: SecurityGroup }),
  errors: STANDARD_ERRORS,
});

export const GetSecurityGroup = operation({
  name: 'GetSecurityGroup',
  summary: 'Describes one security group.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/security-groups/{groupId}',
  input: struct({ networkId: networkIdLabel(), groupId: groupIdLabel() }),
  output: struct({ securityGroup: SecurityGroup }),
  errors: STANDARD_ERRORS,
});

export const ListSecurityGroups = operation({
  name: 'ListSecurityGroups',
  summary: 'Lists the security groups of a network.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/security-groups',
  input: struct({ networkId: networkIdLabel(), ...paging() }),
  output: struct({
    securityGroups: optional(list(SecurityGroup)),
    nextToken: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const UpdateSecurityGroup = operation({
  name: 'UpdateSecurityGroup',
  summary: 'Renames a security group or changes its settings.',
  method: 'PATCH',
  path: '/networks/{networkId}/security-groups/{groupId}',
  input: struct({
    networkId: networkIdLabel(),
    groupId: groupIdLabel(),
    name: optional(GenericString),
    securityGroupSettings: optional(SecurityGroupSettings),
  }),
  output: struct({ securityGroup: SecurityGroup }),
  errors: STANDARD_ERRORS,
});

export const DeleteSecurityGroup = operation({
  name: 'DeleteSecurityGroup',
  summary: 'Deletes a (non-default) security group.',
  method: 'DELETE',
  path: '/networks/{networkId}/security-groups/{groupId}',
  input: struct({ networkId: networkIdLabel(), groupId: groupIdLabel() }),
  output: struct({
    ...messageOnly,
    networkId: optional(NetworkId),
    groupId: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const ListSecurityGroupUsers = operation({
  name: 'ListSecurityGroupUsers',
  summary: 'Lists the users that belong to a security group.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/security-groups/{groupId}/users',
  input: struct({ networkId: networkIdLabel(), groupId: groupIdLabel(), ...paging() }),
  output: struct({ users: list(User), nextToken: optional(GenericString) }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  CreateSecurityGroup,
  GetSecurityGroup,
  ListSecurityGroups,
  UpdateSecurityGroup,
  DeleteSecurityGroup,
  ListSecurityGroupUsers,
};
