/**
 * SSO through OpenID Connect: testing an issuer (real discovery), saving a network's
 * configuration, and exchanging an authorization code at the provider's token endpoint.
 * Talking to the provider is integrations/oidc-client.ts's; the rules are here. Plain http is
 * accepted only for loopback issuers (local providers, tests).
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Static } from '@sinclair/typebox';
import type { OidcConfigInfo } from '../contract/oidc.js';
import { badRequest, notFound, validationError, type Reason } from '../contract/errors.js';
import {
  ProviderError,
  authorizationCodeGrant,
  discover,
  pkceChallenge,
} from '../integrations/oidc-client.js';
import type { OidcConfigRow } from '../store/schema.js';
import { commitWrite, type Ctx, type Handler } from './context.js';

type ConfigInfo = Static<typeof OidcConfigInfo>;

export const DEFAULT_SSO_TOKEN_BUFFER_MINUTES = 5;
/** One SSO application per network (the model bounds applicationId to 1-10). */
const APPLICATION_ID = 1;

/**
 * Secrets are stored (the token exchange needs them) but never returned: responses carry a
 * mask that shows at most the last four characters, and only of secrets long enough for that
 * not to matter.
 */
export function maskSecret(secret: string): string {
  return secret.length >= 12 ? `****${secret.slice(-4)}` : '****';
}

// ---------- input checks ----------

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** The issuer as a URL: https, or http on loopback; no query, fragment or credentials. */
function checkIssuer(field: string, issuer: string, reasons: Reason[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(issuer.trim());
  } catch {
    reasons.push({
      field,
      reason: 'must be an absolute https URL, e.g. https://login.example.com',
    });
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    reasons.push({
      field,
      reason: 'must use https (plain http is accepted only for loopback hosts)',
    });
    return undefined;
  }
  if (url.search || url.hash || url.username || url.password) {
    reasons.push({ field, reason: 'must not contain a query, a fragment or credentials' });
    return undefined;
  }
  return url;
}

function checkScopes(scopes: string, reasons: Reason[]): void {
  if (!scopes.split(/\s+/).includes('openid')) {
    reasons.push({
      field: 'scopes',
      reason: 'must include "openid" (scopes are separated by spaces)',
    });
  }
}

function checkCertificate(field: string, pem: string | undefined, reasons: Reason[]): void {
  if (pem === undefined || pem.trim() === '') return;
  try {
    new X509Certificate(pem);
  } catch {
    reasons.push({ field, reason: 'must be a PEM-encoded X.509 CA certificate' });
  }
}

const nonEmpty = (s: string | undefined) => (s !== undefined && s.trim() !== '' ? s : undefined);

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const strList = (v: unknown) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Discovery, with a provider's failure as the client's BadRequestError. */
async function discoverOrRefuse(...args: Parameters<typeof discover>) {
  try {
    return await discover(...args);
  } catch (e) {
    if (!(e instanceof ProviderError)) throw e;
    throw badRequest(
      `OpenID discovery for issuer ${args[0].href.replace(/\/$/, '')} failed: ${e.message}.`,
    );
  }
}

// ---------- stored configuration ----------

async function findConfig(ctx: Ctx, networkId: string): Promise<OidcConfigRow | undefined> {
  return ctx.db
    .selectFrom('oidc_configs')
    .selectAll()
    .where('network_id', '=', networkId)
    .executeTakeFirst();
}

/** Tested certificates are remembered per issuer, written with or without a final slash. */
const issuerKeyOf = (issuer: string) => issuer.trim().replace(/\/+$/, '');

async function testedCertificate(ctx: Ctx, networkId: string, issuer: string) {
  const row = await ctx.db
    .selectFrom('oidc_ca_certificates')
    .select('certificate')
    .where('network_id', '=', networkId)
    .where('issuer', 'in', [issuerKeyOf(issuer), issuer.trim()])
    .orderBy('tested_at', 'desc')
    .executeTakeFirst();
  return row?.certificate;
}

function describeConfig(r: OidcConfigRow): ConfigInfo {
  return {
    ...definedOnly({
      applicationName: r.application_name,
      clientId: r.client_id ?? undefined,
      clientSecret: r.client_secret ? maskSecret(r.client_secret) : undefined,
      secret: r.client_secret ? maskSecret(r.client_secret) : undefined,
      redirectUrl: r.redirect_url,
      userId: r.client_id ?? undefined,
      customUsername: r.custom_username ?? undefined,
      caCertificate: r.ca_certificate ?? undefined,
      applicationId: Number(r.application_id),
      ssoTokenBufferMinutes: Number(r.sso_token_buffer_minutes),
      extraAuthParams: r.extra_auth_params ?? undefined,
    }),
    companyId: r.company_id,
    scopes: r.scopes,
    issuer: r.issuer,
  };
}

/** Where the provider sends people back after signing in (served by the client API). */
export function ssoCallbackUrl(publicUrl: string, networkId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/client/v1/networks/${networkId}/sso/callback`;
}

// ---------- handlers ----------

export const RegisterOidcConfigTest: Handler<'RegisterOidcConfigTest'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  const issuer = checkIssuer('issuer', input.issuer, reasons);
  checkScopes(input.scopes, reasons);
  const certificate = nonEmpty(input.certificate);
  checkCertificate('certificate', certificate, reasons);
  if (reasons.length) throw validationError(reasons);
  const { metadata: m } = await discoverOrRefuse(
    issuer!,
    'wickr-oidc-test',
    undefined,
    certificate,
  );
  if (certificate) {
    // Remembered so that RegisterOidcConfig (which has no certificate member) trusts it too.
    const issuerKey = issuerKeyOf(input.issuer);
    const now = ctx.services.now();
    await commitWrite(ctx, (db) =>
      db
        .insertInto('oidc_ca_certificates')
        .values({ network_id: input.networkId, issuer: issuerKey, certificate, tested_at: now })
        .onConflict((oc) =>
          oc.columns(['network_id', 'issuer']).doUpdateSet({ certificate, tested_at: now }),
        )
        .execute(),
    );
  }
  const raw = m as Record<string, unknown>;
  const endSession = str(m.end_session_endpoint);
  return definedOnly({
    issuer: m.issuer,
    authorizationEndpoint: str(m.authorization_endpoint),
    tokenEndpoint: str(m.token_endpoint),
    userinfoEndpoint: str(m.userinfo_endpoint),
    endSessionEndpoint: endSession,
    // Only what the provider advertised: end_session_endpoint is reported as itself.
    logoutEndpoint: str(raw['logout_endpoint']),
    revocationEndpoint: str(m.revocation_endpoint),
    responseTypesSupported: strList(m.response_types_supported),
    scopesSupported: strList(m.scopes_supported),
    grantTypesSupported: strList(m.grant_types_supported),
    tokenEndpointAuthMethodsSupported: strList(m.token_endpoint_auth_methods_supported),
    microsoftMultiRefreshToken:
      typeof raw['microsoft_multi_refresh_token'] === 'boolean'
        ? raw['microsoft_multi_refresh_token']
        : undefined,
  });
};

export const RegisterOidcConfig: Handler<'RegisterOidcConfig'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  const issuer = checkIssuer('issuer', input.issuer, reasons);
  checkScopes(input.scopes, reasons);
  if (input.companyId.trim() === '')
    reasons.push({ field: 'companyId', reason: 'must not be empty' });
  if (input.userId !== undefined && input.userId.trim() === '') {
    reasons.push({
      field: 'userId',
      reason: 'must not be empty (it is the client ID at the provider)',
    });
  }
  const buffer = input.ssoTokenBufferMinutes ?? DEFAULT_SSO_TOKEN_BUFFER_MINUTES;
  if (buffer < 0) reasons.push({ field: 'ssoTokenBufferMinutes', reason: 'must not be negative' });
  if (reasons.length) throw validationError(reasons);

  const network = ctx.network;
  const existing = await findConfig(ctx, input.networkId);
  const issuerKey = input.issuer.trim();
  const certificate =
    (await testedCertificate(ctx, input.networkId, issuerKey)) ??
    (existing?.issuer === issuerKey ? (existing.ca_certificate ?? undefined) : undefined);
  // Saving is refused unless the issuer answers discovery, as the console's test does.
  await discoverOrRefuse(issuer!, input.userId ?? 'wickr', undefined, certificate);

  // An omitted secret keeps the stored one (it is never shown back); "" removes it.
  const secret = input.secret === undefined ? undefined : input.secret === '' ? null : input.secret;
  const now = ctx.services.now();
  const values = {
    company_id: input.companyId,
    issuer: issuerKey,
    scopes: input.scopes,
    client_id: input.userId ?? null,
    custom_username: nonEmpty(input.customUsername) ?? null,
    extra_auth_params: nonEmpty(input.extraAuthParams) ?? null,
    ca_certificate: certificate ?? null,
    sso_token_buffer_minutes: buffer,
    application_id: APPLICATION_ID,
    application_name: `wickr-${network.network_id}`,
    redirect_url: ssoCallbackUrl(ctx.services.config.publicUrl, network.network_id),
    modified: now,
  };
  // One atomic upsert after the discovery, so the operation is safe outside a transaction
  // (where it belongs: it waits on a remote provider); it commits with its audit record.
  const saved = await commitWrite(ctx, (db) =>
    db
      .insertInto('oidc_configs')
      .values({
        ...values,
        client_secret: secret ?? null,
        network_id: input.networkId,
        created_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('network_id')
          .doUpdateSet(secret === undefined ? values : { ...values, client_secret: secret }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return describeConfig(saved);
};

/** oauth4webapi lowercases token_type; give it back in its registered spelling. */
function tokenTypeName(t: string | undefined): string | undefined {
  if (t === 'bearer') return 'Bearer';
  if (t === 'dpop') return 'DPoP';
  return t;
}

export const GetOidcInfo: Handler<'GetOidcInfo'> = async (ctx, input) => {
  const row = await findConfig(ctx, input.networkId);
  if (!row) {
    throw notFound(
      `Network ${input.networkId} has no OIDC configuration; save one with RegisterOidcConfig.`,
    );
  }
  // A certificate tested for the issuer after the configuration was saved is the one in use.
  const tested = row.ca_certificate
    ? undefined
    : await testedCertificate(ctx, input.networkId, row.issuer);
  const openidConnectInfo = describeConfig(tested ? { ...row, ca_certificate: tested } : row);
  if (input.code === undefined) return { openidConnectInfo };

  // A token request: parameters given override the stored configuration.
  const reasons: Reason[] = [];
  if (input.code === '') reasons.push({ field: 'code', reason: 'must not be empty' });
  if (input.grantType !== undefined && input.grantType !== 'authorization_code') {
    reasons.push({ field: 'grantType', reason: 'only "authorization_code" is supported' });
  }
  const issuerText = nonEmpty(input.url) ?? row.issuer;
  const issuer = checkIssuer(input.url !== undefined ? 'url' : 'issuer', issuerText, reasons);
  const clientId = nonEmpty(input.clientId) ?? row.client_id ?? undefined;
  if (clientId === undefined) {
    reasons.push({
      field: 'clientId',
      reason: 'is required: the stored configuration has no client ID (userId)',
    });
  }
  const certificate =
    nonEmpty(input.certificate) ??
    (issuerText.trim() === row.issuer ? (row.ca_certificate ?? undefined) : undefined) ??
    (await testedCertificate(ctx, input.networkId, issuerText.trim()));
  checkCertificate('certificate', certificate, reasons);
  const redirectUri = nonEmpty(input.redirectUri) ?? row.redirect_url;
  if (reasons.length) throw validationError(reasons);

  const secret = nonEmpty(input.clientSecret) ?? row.client_secret ?? undefined;
  const { config } = await discoverOrRefuse(issuer!, clientId!, secret, certificate);
  const params: Record<string, string> = { code: input.code, redirect_uri: redirectUri };
  const verifier = nonEmpty(input.codeVerifier);
  if (verifier) params['code_verifier'] = verifier;
  let tokens: Awaited<ReturnType<typeof authorizationCodeGrant>>;
  try {
    tokens = await authorizationCodeGrant(config, params);
  } catch (e) {
    if (!(e instanceof ProviderError)) throw e;
    throw badRequest(`The identity provider refused the authorization code: ${e.message}.`);
  }
  return {
    openidConnectInfo,
    tokenInfo: definedOnly({
      accessToken: tokens.access_token,
      idToken: tokens.id_token,
      refreshToken: tokens.refresh_token,
      tokenType: tokenTypeName(tokens.token_type),
      expiresIn: tokens.expires_in,
      codeVerifier: verifier,
      codeChallenge: verifier ? await pkceChallenge(verifier) : undefined,
    }),
  };
};
