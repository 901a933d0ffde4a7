/**
 * Bots: non-human accounts of a network. They share the `members` table with users (one
 * username space, one uname space, one ID space), belong to exactly one security group
 * (`members.group_id`) and sign in with a password (the "challenge"), which is stored only
 * as a salted scrypt hash.
 */
import type { Static } from '@sinclair/typebox';
import type { Bot } from '../contract/bots.js';
import {
  badRequest,
  forbidden,
  notFound,
  validationError,
  type Reason,
} from '../contract/errors.js';
import type { MemberRow } from '../store/schema.js';
import { DECOY_HASH, hashChallenge, verifyChallenge } from './bot-challenge.js';
import { containsFolded, flag, listPage, sortKeyset } from './common.js';
import {
  MEMBER_STATUS,
  activated,
  deleteMembers,
  insertMember,
  newBot,
  patchMembers,
  setBotGroup,
  type MemberPatch,
} from './owners/members.js';
import type { Ctx, Handler } from './context.js';
import { registerDataRetentionBot } from './owners/data-retention.js';
import type { SystemCtx } from './registration.js';
import { requireGroup } from './security-group-lookup.js';
import { checkUsername, usernameHolder } from './member-identity.js';

type BotOut = Static<typeof Bot>;

export const MIN_CHALLENGE_LENGTH = 6;
export const MAX_CHALLENGE_LENGTH = 1024;
export const MAX_DISPLAY_NAME_LENGTH = 256;
export const MAX_PUBKEY_LENGTH = 8192;

// ---------- checks ----------

function checkBotUsername(field: string, username: string, reasons: Reason[]): void {
  const before = reasons.length;
  checkUsername(field, username, reasons);
  if (reasons.length === before && !username.toLowerCase().endsWith('bot')) {
    reasons.push({ field, reason: 'a bot username must end in "bot" (e.g. "alertsbot")' });
  }
}

function checkChallenge(field: string, challenge: string, reasons: Reason[]): void {
  if (challenge.length < MIN_CHALLENGE_LENGTH || challenge.length > MAX_CHALLENGE_LENGTH) {
    reasons.push({
      field,
      reason: `must be ${MIN_CHALLENGE_LENGTH} to ${MAX_CHALLENGE_LENGTH} characters long`,
    });
  }
}

function checkDisplayName(field: string, name: string | undefined, reasons: Reason[]): void {
  if (name === undefined) return;
  if (name.trim().length === 0) reasons.push({ field, reason: 'must not be blank' });
  else if (name.length > MAX_DISPLAY_NAME_LENGTH) {
    reasons.push({ field, reason: `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters long` });
  }
}

// ---------- reading ----------

export function renderBot(m: MemberRow): BotOut {
  return {
    botId: String(m.member_id),
    ...(m.display_name !== null ? { displayName: m.display_name } : {}),
    username: m.username,
    uname: m.uname,
    ...(m.pubkey !== null ? { pubkey: m.pubkey } : {}),
    status: m.status,
    ...(m.group_id !== null ? { groupId: m.group_id } : {}),
    hasChallenge: m.challenge_hash !== null,
    suspended: m.suspended === 1,
    ...(m.last_login !== null ? { lastLogin: new Date(Number(m.last_login)).toISOString() } : {}),
  };
}

export async function findBot(ctx: Pick<Ctx, 'db'>, networkId: string, botId: string) {
  const id = Number(botId);
  if (!Number.isSafeInteger(id)) return undefined;
  return ctx.db
    .selectFrom('members')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('kind', '=', 'bot')
    .where('member_id', '=', id)
    .executeTakeFirst();
}

export async function requireBot(ctx: Ctx, networkId: string, botId: string): Promise<MemberRow> {
  const bot = await findBot(ctx, networkId, botId);
  if (!bot) throw notFound(`Bot ${botId} was not found in network ${networkId}.`);
  return bot;
}

/** The data-retention bot of a network, if `memberId` is it. */
async function isDataRetentionBot(ctx: Ctx, networkId: string, memberId: number) {
  const row = await ctx.db
    .selectFrom('data_retention')
    .select('member_id')
    .where('network_id', '=', networkId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return row !== undefined;
}

// ---------- operations ----------

export const CreateBot: Handler<'CreateBot'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  checkBotUsername('username', input.username, reasons);
  checkDisplayName('displayName', input.displayName, reasons);
  checkChallenge('challenge', input.challenge, reasons);
  if (reasons.length) throw validationError(reasons);

  const network = ctx.network;
  await requireGroup(ctx, network.network_id, input.groupId);
  const clash = await usernameHolder(ctx, network.network_id, input.username);
  if (clash) {
    // The same error UpdateUser gives: the value of a member is unacceptable.
    throw validationError([
      {
        field: 'username',
        reason: `${input.username} is already taken in network ${network.network_id} by ${clash.kind} ${clash.member_id} (usernames are unique across users and bots, ignoring case)`,
      },
    ]);
  }
  const bot = await insertMember(ctx.db, {
    row: newBot(network, input.username, ctx.services.now(), {
      displayName: input.displayName ?? null,
      groupId: input.groupId,
      challengeHash: await hashChallenge(input.challenge),
    }),
  });
  return {
    message: `Bot ${bot.member_id} created; it becomes active when it first signs in.`,
    botId: String(bot.member_id),
    networkId: network.network_id,
    username: bot.username,
    ...(bot.display_name !== null ? { displayName: bot.display_name } : {}),
    groupId: input.groupId,
  };
};

export const GetBot: Handler<'GetBot'> = async (ctx, input) => {
  return renderBot(await requireBot(ctx, input.networkId, input.botId));
};

/**
 * The documented sort fields. Bots have no first name: `firstName` (documented as accepted)
 * sorts by the display name, the bot's only name besides its username.
 */
const DISPLAY_NAME_SORT = "coalesce(lower(display_name), '')";
const BOT_SORTS = {
  username: 'username_lc',
  firstName: DISPLAY_NAME_SORT,
  displayName: DISPLAY_NAME_SORT,
  status: 'status',
  groupId: "coalesce(group_id, '')",
};

export const ListBots: Handler<'ListBots'> = async (ctx, input) => {
  const keyset = sortKeyset(input, BOT_SORTS, ['username'], 'member_id');
  let qb = ctx.db
    .selectFrom('members')
    .selectAll()
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'bot');
  if (input.status !== undefined) qb = qb.where('status', '=', input.status);
  if (input.groupId !== undefined) qb = qb.where('group_id', '=', input.groupId);
  if (input.username !== undefined) {
    qb = qb.where(containsFolded('username_lc', input.username));
  }
  if (input.displayName !== undefined) {
    qb = qb.where(containsFolded('lower(display_name)', input.displayName));
  }
  const filters = [input.status, input.groupId, input.username, input.displayName];
  const scope = `ListBots|${input.networkId}|${JSON.stringify(filters)}`;
  const page = await listPage(ctx, scope, qb, keyset, input);
  return {
    bots: page.rows.map(renderBot),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const UpdateBot: Handler<'UpdateBot'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  checkDisplayName('displayName', input.displayName, reasons);
  if (input.challenge !== undefined) checkChallenge('challenge', input.challenge, reasons);
  if (reasons.length) throw validationError(reasons);

  const network = ctx.network;
  const bot = await requireBot(ctx, network.network_id, input.botId);
  if (input.groupId !== undefined) await requireGroup(ctx, network.network_id, input.groupId);
  const change: MemberPatch = { modified: ctx.services.now() };
  const done: string[] = [];
  if (input.displayName !== undefined) {
    change.display_name = input.displayName;
    done.push('display name');
  }
  if (input.groupId !== undefined) {
    await setBotGroup(ctx.db, Number(bot.member_id), input.groupId);
    done.push('security group');
  }
  if (input.challenge !== undefined) {
    change.challenge_hash = await hashChallenge(input.challenge);
    done.push('challenge');
  }
  if (input.suspend !== undefined) {
    change.suspended = flag(input.suspend);
    done.push(input.suspend ? 'suspended' : 'unsuspended');
  }
  await patchMembers(ctx.db, network, [Number(bot.member_id)], change);
  return {
    message:
      done.length > 0
        ? `Bot ${bot.member_id} updated (${done.join(', ')}).`
        : `Bot ${bot.member_id} unchanged: nothing to update.`,
  };
};

export const DeleteBot: Handler<'DeleteBot'> = async (ctx, input) => {
  const network = ctx.network;
  const bot = await requireBot(ctx, network.network_id, input.botId);
  if (await isDataRetentionBot(ctx, network.network_id, Number(bot.member_id))) {
    throw badRequest(
      `Bot ${bot.member_id} is the network's data retention bot; delete it with DeleteDataRetentionBot.`,
    );
  }
  await deleteMembers(ctx.db, [Number(bot.member_id)]);
  return { message: `Bot ${bot.member_id} deleted.` };
};

export const GetBotsCount: Handler<'GetBotsCount'> = async (ctx, input) => {
  const rows = await ctx.db
    .selectFrom('members')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'bot')
    .groupBy('status')
    .execute();
  let pending = 0;
  let active = 0;
  for (const r of rows) {
    if (r.status === MEMBER_STATUS.ACTIVE) active += Number(r.n);
    else pending += Number(r.n);
  }
  return { pending, active, total: pending + active };
};

// ---------- sign-in (unsigned client endpoint) ----------

export interface BotLoginInput {
  username: string;
  challenge: string;
  /** The bot's public key, published at sign-in; shown by GetBot. */
  pubkey?: string;
}

const INVALID = 'The username or challenge is not valid.';

/**
 * A bot signs in with its challenge: the first success activates it (status 2). An unknown
 * bot, one without a challenge, a suspended one and a wrong challenge get one answer after the
 * same work (one scrypt verification, against a decoy hash when there is no hash): nobody
 * learns whether a bot exists or is suspended without its challenge. Guessing is slowed by the
 * operation's limits (per address and per bot, shared by replicas), never by a lock that
 * anonymous failures could put on the bot for its owner.
 */
export async function botLogin(
  ctx: SystemCtx,
  networkId: string,
  input: BotLoginInput,
): Promise<{ botId: string; status: number }> {
  const bot = await ctx.db
    .selectFrom('members')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('kind', '=', 'bot')
    .where('username_lc', '=', input.username.toLowerCase())
    .executeTakeFirst();
  const hash = bot?.challenge_hash ?? null;
  const right = await verifyChallenge(input.challenge, hash ?? DECOY_HASH);
  if (!bot || hash === null || !right) throw badRequest(INVALID);
  const memberId = Number(bot.member_id);
  // Only the holder of the right challenge learns that the bot is suspended.
  if (bot.suspended === 1) throw forbidden('This bot is suspended and cannot sign in.');

  const now = ctx.services.now();
  await ctx.db.transaction().execute(async (trx) => {
    await patchMembers(trx, { network_id: networkId }, [memberId], {
      ...activated(now),
      ...(input.pubkey !== undefined ? { pubkey: input.pubkey } : {}),
    });
    // The data-retention bot is registered by its first sign-in.
    await registerDataRetentionBot(trx, memberId, now);
    await ctx.record?.(trx);
  });
  return { botId: String(memberId), status: MEMBER_STATUS.ACTIVE };
}
