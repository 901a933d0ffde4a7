/**
 * The network's data-retention bot and the data-retention service, as a small state machine:
 *
 *   CreateDataRetentionBot           → bot exists (pending, no challenge)
 *   CreateDataRetentionBotChallenge  → a fresh challenge, returned once (stored hashed)
 *   bot signs in with it             → registered (and the bot is active)
 *     (POST /client/v1/networks/{networkId}/bots/login)
 *   UpdateDataRetention PUBKEY_MSG_ACK  (needs registered)      → pubkey message acknowledged
 *   UpdateDataRetention ENABLE          (needs acknowledged, bot not suspended) → service on
 *   UpdateDataRetention DISABLE         (needs on)              → service off
 *   DeleteDataRetentionBot           → bot gone, service off
 *
 * While the bot exists the network setting `dataRetention` mirrors the service: ENABLE and
 * DISABLE write it, and UpdateNetworkSettings's `dataRetention` goes through the same rules.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, notFound, validationError } from '../contract/errors.js';
import type { DataRetentionRow, NetworkRow } from '../store/schema.js';
import { hashChallenge } from './bot-challenge.js';
import { usernameHolder } from './member-identity.js';
import {
  MEMBER_STATUS,
  deleteMembers,
  insertMember,
  newBot,
  patchMembers,
} from './owners/members.js';
import {
  deleteDataRetention,
  insertDataRetention,
  patchDataRetention,
} from './owners/data-retention.js';
import { writeNetworkSettings } from './owners/networks.js';
import type { Ctx, Handler } from './context.js';
import { readSettings } from './network-settings.js';
import { defaultGroupId } from './security-group-lookup.js';

export const DATA_RETENTION_DISPLAY_NAME = 'Data Retention Bot';
export const dataRetentionBotName = (networkId: string) => `compliance_${networkId}_bot`;

async function findDataRetention(ctx: Ctx, networkId: string) {
  return ctx.db
    .selectFrom('data_retention')
    .selectAll()
    .where('network_id', '=', networkId)
    .executeTakeFirst();
}

async function requireDataRetention(ctx: Ctx, networkId: string): Promise<DataRetentionRow> {
  const dr = await findDataRetention(ctx, networkId);
  if (!dr) {
    throw notFound(
      `Network ${networkId} has no data retention bot; create it with CreateDataRetentionBot.`,
    );
  }
  return dr;
}

async function botRow(ctx: Ctx, dr: DataRetentionRow) {
  return ctx.db
    .selectFrom('members')
    .select(['status', 'suspended'])
    .where('member_id', '=', Number(dr.member_id))
    .executeTakeFirstOrThrow();
}

/** Writes the service state and the network setting that mirrors it. */
async function setService(ctx: Ctx, network: NetworkRow, on: boolean): Promise<void> {
  const now = ctx.services.now();
  await patchDataRetention(ctx.db, network.network_id, {
    service_enabled: on ? 1 : 0,
    service_changed_at: now,
    modified: now,
  });
  await writeNetworkSettings(ctx.db, network.network_id, {
    ...readSettings(network),
    dataRetention: on,
  });
}

/** Why the service cannot be enabled now, or undefined when it can. */
async function enableBlocker(ctx: Ctx, dr: DataRetentionRow): Promise<string | undefined> {
  if (dr.registered !== 1) {
    return dr.challenge_issued_at === null
      ? 'the data retention bot has not registered yet: create its challenge with CreateDataRetentionBotChallenge and sign the bot in with it, then acknowledge its public key message (PUBKEY_MSG_ACK)'
      : 'the data retention bot has not registered yet: sign the bot in with its challenge, then acknowledge its public key message (PUBKEY_MSG_ACK)';
  }
  if (dr.pubkey_msg_acked !== 1) {
    return "the data retention bot's public key message has not been acknowledged yet: use actionType PUBKEY_MSG_ACK first";
  }
  if ((await botRow(ctx, dr)).suspended === 1) {
    return 'the data retention bot is suspended: unsuspend it with UpdateBot first';
  }
  return undefined;
}

export const CreateDataRetentionBot: Handler<'CreateDataRetentionBot'> = async (ctx) => {
  const network = ctx.network;
  const existing = await findDataRetention(ctx, network.network_id);
  if (existing) {
    throw badRequest(
      `The data retention bot of network ${network.network_id} already exists (${existing.bot_name}, bot ${existing.member_id}).`,
    );
  }
  const name = dataRetentionBotName(network.network_id);
  const clash = await usernameHolder(ctx, network.network_id, name);
  if (clash) {
    throw badRequest(
      `The data retention bot's username ${name} is taken by ${clash.kind} ${clash.member_id}; delete or rename it first.`,
    );
  }
  const bot = await insertMember(ctx.db, {
    row: newBot(network, name, ctx.services.now(), {
      displayName: DATA_RETENTION_DISPLAY_NAME,
      groupId: await defaultGroupId(ctx, network.network_id),
      // No challenge until CreateDataRetentionBotChallenge makes one.
      challengeHash: null,
    }),
  });
  await insertDataRetention(
    ctx.db,
    { network_id: network.network_id, member_id: Number(bot.member_id), bot_name: name },
    ctx.services.now(),
  );
  // From now on the setting mirrors the service, which starts disabled.
  await setService(ctx, network, false);
  return {
    message: `Data retention bot ${name} (bot ${bot.member_id}) created. Next: CreateDataRetentionBotChallenge, then sign the bot in with the challenge.`,
  };
};

export const CreateDataRetentionBotChallenge: Handler<'CreateDataRetentionBotChallenge'> = async (
  ctx,
) => {
  const network = ctx.network;
  const dr = await requireDataRetention(ctx, network.network_id);
  // 32 random bytes: a password for a machine, returned only here.
  const challenge = randomBytes(32).toString('base64url');
  const now = ctx.services.now();
  await patchMembers(ctx.db, network, [Number(dr.member_id)], {
    challenge_hash: await hashChallenge(challenge),
    challenge_failures: 0,
    modified: now,
  });
  await patchDataRetention(ctx.db, network.network_id, {
    challenge_issued_at: now,
    modified: now,
  });
  return { challenge };
};

export const GetDataRetentionBot: Handler<'GetDataRetentionBot'> = async (ctx) => {
  const network = ctx.network;
  const dr = await findDataRetention(ctx, network.network_id);
  if (!dr) {
    return {
      botExists: false,
      isBotActive: false,
      isDataRetentionBotRegistered: false,
      isDataRetentionServiceEnabled: false,
      isPubkeyMsgAcked: false,
    };
  }
  const bot = await botRow(ctx, dr);
  return {
    botName: dr.bot_name,
    botExists: true,
    isBotActive: bot.status === MEMBER_STATUS.ACTIVE && bot.suspended === 0,
    isDataRetentionBotRegistered: dr.registered === 1,
    isDataRetentionServiceEnabled: dr.service_enabled === 1,
    isPubkeyMsgAcked: dr.pubkey_msg_acked === 1,
  };
};

export const UpdateDataRetention: Handler<'UpdateDataRetention'> = async (ctx, input) => {
  const network = ctx.network;
  const dr = await requireDataRetention(ctx, network.network_id);
  const now = ctx.services.now();
  switch (input.actionType) {
    case 'PUBKEY_MSG_ACK': {
      if (dr.registered !== 1) {
        throw badRequest(
          'Cannot acknowledge the public key message: the data retention bot has not registered yet (create its challenge with CreateDataRetentionBotChallenge and sign the bot in with it).',
        );
      }
      if (dr.pubkey_msg_acked === 1) {
        throw badRequest("The data retention bot's public key message is already acknowledged.");
      }
      await patchDataRetention(ctx.db, network.network_id, {
        pubkey_msg_acked: 1,
        pubkey_msg_acked_at: now,
        modified: now,
      });
      return { message: "The data retention bot's public key message is acknowledged." };
    }
    case 'ENABLE': {
      if (dr.service_enabled === 1) {
        throw badRequest(`Data retention is already enabled in network ${network.network_id}.`);
      }
      const blocker = await enableBlocker(ctx, dr);
      if (blocker) throw badRequest(`Cannot enable data retention: ${blocker}.`);
      await setService(ctx, network, true);
      return { message: `Data retention enabled in network ${network.network_id}.` };
    }
    case 'DISABLE': {
      if (dr.service_enabled !== 1) {
        throw badRequest(
          `Cannot disable data retention: it is not enabled in network ${network.network_id}.`,
        );
      }
      await setService(ctx, network, false);
      return { message: `Data retention disabled in network ${network.network_id}.` };
    }
  }
};

export const DeleteDataRetentionBot: Handler<'DeleteDataRetentionBot'> = async (ctx) => {
  const network = ctx.network;
  const dr = await requireDataRetention(ctx, network.network_id);
  const wasEnabled = dr.service_enabled === 1;
  await setService(ctx, network, false);
  await deleteDataRetention(ctx.db, network.network_id);
  await deleteMembers(ctx.db, [Number(dr.member_id)]);
  return {
    message: `Data retention bot ${dr.bot_name} and its data deleted${wasEnabled ? '; data retention is now disabled' : ''}.`,
  };
};

/**
 * UpdateNetworkSettings's `dataRetention`, kept consistent with the data-retention bot: in a
 * network with the bot, true/false enable/disable the service under the same rules as
 * UpdateDataRetention (repeating the current value is a no-op, so settings can be written
 * back as read). A network without the bot cannot turn it on: nothing would capture messages.
 */
export async function syncDataRetentionSetting(
  ctx: Ctx,
  network: NetworkRow,
  want: boolean | undefined,
): Promise<void> {
  if (want === undefined) return;
  const dr = await findDataRetention(ctx, network.network_id);
  if (!dr && want) {
    throw validationError([
      {
        field: 'settings.dataRetention',
        reason:
          'cannot be true in a network without a data retention bot (create it with CreateDataRetentionBot)',
      },
    ]);
  }
  if (dr && want !== (dr.service_enabled === 1)) {
    if (want) {
      const blocker = await enableBlocker(ctx, dr);
      if (blocker) throw badRequest(`Cannot set dataRetention to true: ${blocker}.`);
    }
    await setService(ctx, network, want);
  }
}
