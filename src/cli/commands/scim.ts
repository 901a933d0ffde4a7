/**
 * `wickr-admin scim token create|list|revoke`: the bearer tokens an identity provider
 * provisions a network with (docs/scim.md), straight in the database through their owner. A
 * token is printed once, when it is made; only its hash is stored.
 */
import type { Command } from 'commander';
import {
  createScimToken,
  listScimTokens,
  revokeScimToken,
} from '../../domain/owners/scim-tokens.js';
import { databaseOptions, withStore, type DatabaseOptions } from '../database.js';
import { out } from '../io.js';

export function registerScim(program: Command): void {
  const scim = program.command('scim').description('SCIM 2.0 provisioning (docs/scim.md)');
  const token = scim.command('token').description("Manage a network's SCIM bearer tokens");

  databaseOptions(
    token
      .command('create')
      .description(
        'Create a SCIM token for a network; prints {"tokenId","networkId","token","baseUrlPath"} (the token only this once)',
      )
      .requiredOption('--network <id>', 'the network the token provisions (and no other)')
      .option('--label <text>', 'a note to recognise the token by (e.g. okta)'),
  ).action(async (opts: DatabaseOptions & { network: string; label?: string }) => {
    await withStore(opts, async ({ db }) => {
      const known = await db
        .selectFrom('networks')
        .select('network_id')
        .where('network_id', '=', opts.network)
        .executeTakeFirst();
      if (!known) throw new Error(`no network ${opts.network} in this database`);
      const made = await createScimToken(db, opts.network, Date.now(), opts.label);
      out(
        `${JSON.stringify({
          tokenId: made.tokenId,
          networkId: made.networkId,
          token: made.token,
          ...(made.label ? { label: made.label } : {}),
          baseUrlPath: `/scim/v2/networks/${made.networkId}`,
        })}\n`,
      );
    });
  });

  databaseOptions(
    token
      .command('list')
      .description('List SCIM tokens (never the tokens themselves)')
      .option('--network <id>', "only this network's"),
  ).action(async (opts: DatabaseOptions & { network?: string }) => {
    await withStore(opts, async ({ db }) => {
      const rows = await listScimTokens(db, opts.network);
      const listed = rows.map((r) => ({
        tokenId: r.token_id,
        networkId: r.network_id,
        label: r.label,
        createdAt: new Date(Number(r.created_at)).toISOString(),
        revokedAt: r.revoked_at === null ? null : new Date(Number(r.revoked_at)).toISOString(),
      }));
      out(`${JSON.stringify(listed, null, 2)}\n`);
    });
  });

  databaseOptions(
    token
      .command('revoke')
      .description('Revoke a SCIM token: it stops working at once')
      .argument('<tokenId>'),
  ).action(async (id: string, opts: DatabaseOptions) => {
    await withStore(opts, async ({ db }) => {
      if (!(await revokeScimToken(db, id, Date.now())))
        throw new Error(`no SCIM token ${id} in force`);
      out(`Revoked ${id}\n`);
    });
  });
}
