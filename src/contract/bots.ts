/** Bots: non-human accounts of a network. */
import {
  STANDARD_ERRORS,
  bool,
  int,
  list,
  operation,
  optional,
  query,
  struct,
  uri,
} from './dsl.js';
import {
  BotId,
  GenericString,
  NetworkId,
  SensitiveString,
  messageOnly,
  networkIdLabel,
  paging,
} from './scalars.js';

/** Documented: 1 for pending, 2 for active. */
const BotStatus = int();
const botIdLabel = () => uri(BotId);

/** A bot as described by GetBot and ListBots. Its botId is an unconstrained string here. */
export const Bot = struct({
  botId: optional(GenericString),
  displayName: optional(GenericString),
  username: optional(GenericString),
  uname: optional(GenericString),
  pubkey: optional(GenericString),
  status: optional(BotStatus),
  groupId: optional(GenericString),
  hasChallenge: optional(bool()),
  suspended: optional(bool()),
  lastLogin: optional(GenericString),
});

export const CreateBot = operation({
  name: 'CreateBot',
  summary: 'Creates a bot in a security group.',
  method: 'POST',
  path: '/networks/{networkId}/bots',
  input: struct({
    networkId: networkIdLabel(),
    username: GenericString,
    displayName: optional(GenericString),
    groupId: GenericString,
    challenge: SensitiveString,
  }),
  output: struct({
    message: optional(GenericString),
    botId: BotId,
    networkId: optional(NetworkId),
    username: optional(GenericString),
    displayName: optional(GenericString),
    groupId: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const GetBot = operation({
  name: 'GetBot',
  summary: 'Describes one bot.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/bots/{botId}',
  input: struct({ networkId: networkIdLabel(), botId: botIdLabel() }),
  output: Bot,
  errors: STANDARD_ERRORS,
});

export const ListBots = operation({
  name: 'ListBots',
  summary: 'Lists the bots of a network, with optional filters.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/bots',
  input: struct({
    networkId: networkIdLabel(),
    ...paging(),
    displayName: optional(query(GenericString, 'displayName')),
    username: optional(query(GenericString, 'username')),
    status: optional(query(BotStatus, 'status')),
    groupId: optional(query(GenericString, 'groupId')),
  }),
  output: struct({ bots: list(Bot), nextToken: optional(GenericString) }),
  errors: STANDARD_ERRORS,
});

export const UpdateBot = operation({
  name: 'UpdateBot',
  summary: "Changes a bot's display name, group, password or suspension.",
  method: 'PATCH',
  path: '/networks/{networkId}/bots/{botId}',
  input: struct({
    networkId: networkIdLabel(),
    botId: botIdLabel(),
    displayName: optional(GenericString),
    groupId: optional(GenericString),
    challenge: optional(SensitiveString),
    suspend: optional(bool()),
  }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const DeleteBot = operation({
  name: 'DeleteBot',
  summary: 'Deletes a bot.',
  method: 'DELETE',
  path: '/networks/{networkId}/bots/{botId}',
  input: struct({ networkId: networkIdLabel(), botId: botIdLabel() }),
  output: struct(messageOnly),
  errors: STANDARD_ERRORS,
});

export const GetBotsCount = operation({
  name: 'GetBotsCount',
  summary: 'Counts the bots of a network by status.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/bots/count',
  input: struct({ networkId: networkIdLabel() }),
  output: struct({ pending: int(), active: int(), total: int() }),
  errors: STANDARD_ERRORS,
});

export const operations = { CreateBot, GetBot, ListBots, UpdateBot, DeleteBot, GetBotsCount };
