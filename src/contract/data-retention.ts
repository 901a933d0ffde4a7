/** The network's data-retention bot and the data-retention service. */
import { STANDARD_ERRORS, bool, enumOf, operation, optional, struct } from './dsl.js';
import { GenericString, SensitiveString, messageOnly, networkIdLabel } from './scalars.js';

export const DataRetentionActionType = enumOf(['ENABLE', 'DISABLE', 'PUBKEY_MSG_ACK'] as const);

export const CreateDataRetentionBot = operation({
  name: 'CreateDataRetentionBot',
  summary: "Creates the network's data-retention bot.",
  method: 'POST',
  path: '/networks/{networkId}/data-retention-bots',
  input: struct({ networkId: networkIdLabel() }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const CreateDataRetentionBotChallenge = operation({
  name: 'CreateDataRetentionBotChallenge',
  summary: 'Generates a new password (challenge) for the data-retention bot.',
  method: 'POST',
  path: '/networks/{networkId}/data-retention-bots/challenge',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({ challenge: SensitiveString }),
  errors: STANDARD_ERRORS,
});

export const GetDataRetentionBot = operation({
  name: 'GetDataRetentionBot',
  summary: 'Describes the data-retention bot and service state.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/data-retention-bots',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({
    botName: optional(GenericString),
    botExists: optional(bool()),
    isBotActive: optional(bool()),
    isDataRetentionBotRegistered: optional(bool()),
    isDataRetentionServiceEnabled: optional(bool()),
    isPubkeyMsgAcked: optional(bool()),
  }),
  errors: STANDARD_ERRORS,
});

export const UpdateDataRetention = operation({
  name: 'UpdateDataRetention',
  summary: 'Enables or disables data retention, or acknowledges the public-key message.',
  method: 'PATCH',
  path: '/networks/{networkId}/data-retention-bots',
  input: struct({ networkId: networkIdLabel(), actionType: DataRetentionActionType }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const DeleteDataRetentionBot = operation({
  name: 'DeleteDataRetentionBot',
  summary: "Deletes the network's data-retention bot.",
  method: 'DELETE',
  path: '/networks/{networkId}/data-retention-bots',
  input: struct({ networkId: networkIdLabel() }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const operations = {
  CreateDataRetentionBot,
  CreateDataRetentionBotChallenge,
  GetDataRetentionBot,
  UpdateDataRetention,
  DeleteDataRetentionBot,
};
