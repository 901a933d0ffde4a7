/** Networks and their settings. */
import {
  STANDARD_ERRORS,
  bool,
  enumOf,
  list,
  operation,
  optional,
  str,
  struct,
  int,
} from './dsl.js';
import {
  GenericString,
  NetworkId,
  clientTokenHeader,
  messageOnly,
  networkIdLabel,
  paging,
} from './scalars.js';

export const AccessLevel = enumOf(['STANDARD', 'PREMIUM'] as const);
/** Documented: "Must be between 1 and 20 characters." */
const NetworkName = str({ min: 1, max: 20, pattern: '[\\S\\s]*' });

const Network = struct({
  networkId: NetworkId,
  networkName: GenericString,
  accessLevel: AccessLevel,
  awsAccountId: GenericString,
  networkArn: GenericString,
  standing: optional(int()),
  freeTrialExpiration: optional(GenericString),
  migrationState: optional(int()),
  encryptionKeyArn: optional(GenericString),
});

const Setting = struct({ optionName: GenericString, value: GenericString, type: GenericString });

export const CreateNetwork = operation({
  name: 'CreateNetwork',
  summary: 'Creates a network with its default security group.',
  method: 'POST',
  path: '/networks',
  input: struct({
    networkName: NetworkName,
    accessLevel: AccessLevel,
    enablePremiumFreeTrial: optional(bool()),
    encryptionKeyArn: optional(GenericString),
  }),
  output: struct({
    networkId: optional(NetworkId),
    networkName: optional(GenericString),
    encryptionKeyArn: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const GetNetwork = operation({
  name: 'GetNetwork',
  summary: 'Describes one network.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}',
  input: struct({ networkId: networkIdLabel() }),
  output: Network,
  errors: STANDARD_ERRORS,
});

export const ListNetworks = operation({
  name: 'ListNetworks',
  summary: 'Lists the networks of the caller in its region.',
  method: 'GET',
  readonly: true,
  path: '/networks',
  input: struct({ ...paging() }),
  output: struct({ networks: list(Network), nextToken: optional(GenericString) }),
  errors: STANDARD_ERRORS.filter((e) => e !== 'ResourceNotFoundError'),
});

export const UpdateNetwork = operation({
  name: 'UpdateNetwork',
  summary: 'Renames a network or changes its encryption key.',
  method: 'PATCH',
  path: '/networks/{networkId}',
  input: struct({
    networkId: networkIdLabel(),
    networkName: NetworkName,
    clientToken: clientTokenHeader(),
    encryptionKeyArn: optional(GenericString),
  }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const DeleteNetwork = operation({
  name: 'DeleteNetwork',
  summary: 'Deletes a network and everything in it.',
  method: 'DELETE',
  path: '/networks/{networkId}',
  input: struct({ networkId: networkIdLabel(), clientToken: clientTokenHeader() }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const GetNetworkSettings = operation({
  name: 'GetNetworkSettings',
  summary: 'Lists the network-level settings.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/settings',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({ settings: list(Setting) }),
  errors: STANDARD_ERRORS,
});

export const ReadReceiptStatus = enumOf(['DISABLED', 'ENABLED', 'FORCE_ENABLED'] as const);

export const UpdateNetworkSettings = operation({
  name: 'UpdateNetworkSettings',
  summary: 'Changes network-level settings.',
  method: 'PATCH',
  path: '/networks/{networkId}/settings',
  input: struct({
    networkId: networkIdLabel(),
    settings: struct({
      enableClientMetrics: optional(bool()),
      readReceiptConfig: optional(struct({ status: optional(ReadReceiptStatus) })),
      dataRetention: optional(bool()),
      enableTrustedDataFormat: optional(bool()),
      consentPopup: optional(
        struct({
          enabled: bool(),
          header: optional(str({ min: 0, max: 100, pattern: '[\\S\\s]*' })),
          content: optional(str({ min: 0, max: 5000, pattern: '[\\S\\s]*' })),
          closeButtonLabel: optional(str({ min: 0, max: 20, pattern: '[\\S\\s]*' })),
        }),
      ),
    }),
  }),
  output: struct({ settings: list(Setting) }),
  errors: STANDARD_ERRORS,
});

export const operations = {
  CreateNetwork,
  GetNetwork,
  ListNetworks,
  UpdateNetwork,
  DeleteNetwork,
  GetNetworkSettings,
  UpdateNetworkSettings,
};
