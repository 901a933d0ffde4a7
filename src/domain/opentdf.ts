/**
 * OpenTDF: the network's provider of attribute-based access control. As documented, only
 * Virtru is supported. A dry run performs the documented test connection (the platform, its
 * identity provider, the client credentials) and answers without saving. The client secret is
 * stored but, as for OIDC, only ever returned masked.
 */
import { badRequest, notFound, validationError, type Reason } from '../contract/errors.js';
import { OpentdfConnectionError, testConnection } from '../integrations/opentdf-client.js';
import type { OpentdfConfigRow } from '../store/schema.js';
import { commitWrite, type Handler } from './context.js';
import { isLoopback, maskSecret } from './oidc.js';

export const SUPPORTED_PROVIDERS = ['virtru'] as const;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A DNS hostname: dot-separated labels, no scheme, port or path. */
export function isHostname(s: string): boolean {
  const h = s.endsWith('.') ? s.slice(0, -1) : s;
  return h.length > 0 && h.length <= 253 && h.split('.').every((l) => LABEL.test(l));
}

/**
 * The platform's address: https on the domain; a port and plain http are accepted only for a
 * loopback host (a local platform, tests).
 */
function platformUrl(domain: string, reasons: Reason[]): URL | undefined {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(domain)!;
  const host = m[1]!;
  const port = m[2];
  const loopback = isLoopback(host);
  if (!isHostname(host) && !loopback) {
    reasons.push({
      field: 'domain',
      reason:
        'must be the hostname of the OpenTDF server, e.g. opentdf.example.com (no scheme, port or path)',
    });
    return undefined;
  }
  if (port !== undefined && !loopback) {
    reasons.push({ field: 'domain', reason: 'a port is accepted only for loopback hosts' });
    return undefined;
  }
  return new URL(`${loopback ? 'http' : 'https'}://${domain}`);
}

function describe(
  r: Pick<OpentdfConfigRow, 'client_id' | 'client_secret' | 'domain' | 'provider'>,
) {
  return {
    clientId: r.client_id,
    clientSecret: maskSecret(r.client_secret),
    domain: r.domain,
    provider: r.provider,
  };
}

export const RegisterOpentdfConfig: Handler<'RegisterOpentdfConfig'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  const provider = input.provider.trim().toLowerCase();
  if (!(SUPPORTED_PROVIDERS as readonly string[]).includes(provider)) {
    reasons.push({
      field: 'provider',
      reason: 'only "virtru" is supported as the OpenTDF provider',
    });
  }
  const domain = input.domain.trim().toLowerCase();
  const url = platformUrl(domain, reasons);
  if (input.clientId.trim() === '')
    reasons.push({ field: 'clientId', reason: 'must not be empty' });
  if (input.clientSecret === '')
    reasons.push({ field: 'clientSecret', reason: 'must not be empty' });
  if (reasons.length) throw validationError(reasons);

  const values = { client_id: input.clientId, client_secret: input.clientSecret, domain, provider };
  if (input.dryRun) {
    // Runs outside a request transaction (see the contract): it waits on remote servers.
    try {
      await testConnection(
        { platformUrl: url!, clientId: input.clientId, clientSecret: input.clientSecret },
        (u) => isLoopback(u.hostname),
      );
    } catch (e) {
      if (e instanceof OpentdfConnectionError) {
        throw badRequest(`The OpenTDF test connection failed: ${e.message}.`);
      }
      throw e;
    }
    return describe(values);
  }

  const now = ctx.services.now();
  // One atomic upsert, committed with its audit record.
  await commitWrite(ctx, (db) =>
    db
      .insertInto('opentdf_configs')
      .values({ ...values, network_id: input.networkId, created_at: now, modified: now })
      .onConflict((oc) => oc.column('network_id').doUpdateSet({ ...values, modified: now }))
      .execute(),
  );
  return describe(values);
};

export const GetOpentdfConfig: Handler<'GetOpentdfConfig'> = async (ctx, input) => {
  const row = await ctx.db
    .selectFrom('opentdf_configs')
    .selectAll()
    .where('network_id', '=', input.networkId)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      `Network ${input.networkId} has no OpenTDF configuration; save one with RegisterOpentdfConfig.`,
    );
  }
  return describe(row);
};
