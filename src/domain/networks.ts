/** Networks: creation (with a default security group and a uname key), settings, deletion. */
import type { NetworkRow } from '../store/schema.js';
import { validationError } from '../contract/errors.js';
import { listPage, sortKeyset } from './common.js';
import type { Handler } from './context.js';
import {
  createNetwork,
  deleteNetwork,
  patchNetwork,
  writeNetworkSettings,
} from './owners/networks.js';
import { DEFAULT_GROUP_NAME, createGroup } from './owners/security-groups.js';
import { syncDataRetentionSetting } from './data-retention.js';
import { mergeSettings, readSettings, settingsList } from './network-settings.js';

/** AWS Wickr's free trial of Premium: three months, for up to 30 users. */
const FREE_TRIAL_DAYS = 90;
export const FREE_TRIAL_MAX_USERS = 30;

/** "The network starts with premium features for a limited trial period." */
export function inPremiumTrial(n: NetworkRow, now: number): boolean {
  return n.free_trial_expiration !== null && Number(n.free_trial_expiration) > now;
}

const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;

function checkKmsArn(arn: string | undefined): void {
  if (arn !== undefined && !KMS_ARN.test(arn)) {
    throw validationError([
      {
        field: 'encryptionKeyArn',
        reason: 'must be the ARN of a KMS key, e.g. arn:aws:kms:us-east-1:123456789012:key/<id>',
      },
    ]);
  }
}

export const networkArn = (n: NetworkRow) =>
  `arn:aws:wickr:${n.region}:${n.account_id}:network/${n.network_id}`;

function describe(n: NetworkRow, now: number) {
  return {
    networkId: n.network_id,
    networkName: n.network_name,
    // During the trial the network has premium features; afterwards, the level it was created at.
    accessLevel: inPremiumTrial(n, now) ? 'PREMIUM' : (n.access_level as 'STANDARD' | 'PREMIUM'),
    awsAccountId: n.account_id,
    networkArn: networkArn(n),
    standing: n.standing,
    ...(n.free_trial_expiration !== null
      ? { freeTrialExpiration: new Date(Number(n.free_trial_expiration)).toISOString() }
      : {}),
    migrationState: n.migration_state,
    ...(n.encryption_key_arn !== null ? { encryptionKeyArn: n.encryption_key_arn } : {}),
  };
}

export const CreateNetwork: Handler<'CreateNetwork'> = async (ctx, input) => {
  checkKmsArn(input.encryptionKeyArn);
  const now = ctx.services.now();
  const { network_id: networkId } = await createNetwork(
    ctx.db,
    {
      accountId: ctx.principal.accountId,
      region: ctx.principal.region,
      name: input.networkName,
      accessLevel: input.accessLevel,
      encryptionKeyArn: input.encryptionKeyArn ?? null,
      freeTrialExpiration: input.enablePremiumFreeTrial ? now + FREE_TRIAL_DAYS * 86_400_000 : null,
    },
    now,
  );
  await createGroup(ctx.db, { networkId, name: DEFAULT_GROUP_NAME, isDefault: true }, now);
  return {
    networkId,
    networkName: input.networkName,
    ...(input.encryptionKeyArn ? { encryptionKeyArn: input.encryptionKeyArn } : {}),
  };
};

export const GetNetwork: Handler<'GetNetwork'> = (ctx) =>
  Promise.resolve(describe(ctx.network, ctx.services.now()));

export const ListNetworks: Handler<'ListNetworks'> = async (ctx, input) => {
  const keyset = sortKeyset(
    input,
    { networkId: 'network_id', networkName: 'network_name' },
    ['networkId'],
    'network_id',
  );
  let qb = ctx.db
    .selectFrom('networks')
    .selectAll()
    .where('account_id', '=', ctx.principal.accountId)
    .where('region', '=', ctx.principal.region);
  // A key limited to some networks sees only those.
  if (ctx.principal.networks) qb = qb.where('network_id', 'in', [...ctx.principal.networks, '']);
  const page = await listPage(ctx, 'ListNetworks', qb, keyset, input);
  return {
    networks: page.rows.map((n) => describe(n, ctx.services.now())),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const UpdateNetwork: Handler<'UpdateNetwork'> = async (ctx, input) => {
  checkKmsArn(input.encryptionKeyArn);
  await patchNetwork(ctx.db, input.networkId, {
    network_name: input.networkName,
    ...(input.encryptionKeyArn !== undefined ? { encryption_key_arn: input.encryptionKeyArn } : {}),
  });
  return { message: `Network ${input.networkId} updated.` };
};

export const DeleteNetwork: Handler<'DeleteNetwork'> = async (ctx, input) => {
  // Messages of the network this server is sending right now leave before the delete commits,
  // or are interrupted after a few seconds (an SMTP server that hangs); on PostgreSQL the
  // cascade also waits for the rows another replica's sender holds, at most a send's deadline.
  await ctx.services.mailSettled(input.networkId);
  await deleteNetwork(ctx.db, input.networkId);
  return { message: `Network ${input.networkId} deleted.` };
};

export const GetNetworkSettings: Handler<'GetNetworkSettings'> = (ctx) =>
  Promise.resolve({ settings: settingsList(readSettings(ctx.network)) });

/** `dataRetention` goes through the data-retention bot's rules first (syncDataRetentionSetting). */
export const UpdateNetworkSettings: Handler<'UpdateNetworkSettings'> = async (ctx, input) => {
  const network = ctx.network;
  await syncDataRetentionSetting(ctx, network, input.settings.dataRetention);
  const next = mergeSettings(readSettings(network), input.settings);
  await writeNetworkSettings(ctx.db, input.networkId, next);
  return { settings: settingsList(next) };
};
