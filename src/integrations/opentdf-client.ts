/**
 * The OpenTDF platform client: a test connection, as RegisterOpentdfConfig's dry run documents.
 *
 * Three steps, each of which must work for Wickr to use the platform:
 * 1. the platform's well-known configuration, `GET <platform>/.well-known/opentdf-configuration`,
 *    names its identity provider (`configuration.platform_issuer`);
 * 2. OpenID discovery at that identity provider;
 * 3. a client-credentials grant there with the configured client ID and secret.
 * A failure is an OpentdfConnectionError saying which step failed and why; the domain decides
 * what the API answers.
 */
import * as client from 'openid-client';

/** Seconds allowed for each request to the platform or its identity provider. */
const TIMEOUT_S = 10;
/** The well-known document is small; refuse anything absurd. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export class OpentdfConnectionError extends Error {}

export interface OpentdfTarget {
  /** Where the platform answers, e.g. https://opentdf.example.com. */
  platformUrl: URL;
  clientId: string;
  clientSecret: string;
}

export interface OpentdfConnection {
  issuer: string;
  tokenEndpoint: string | undefined;
}

function reason(e: unknown): string {
  if (e instanceof client.ResponseBodyError) {
    const desc = e.error_description ? ` (${e.error_description})` : '';
    return `${e.error}${desc}, HTTP ${e.status}`;
  }
  if (e instanceof client.WWWAuthenticateChallengeError) {
    const params = e.cause[0]?.parameters;
    return `${params?.error ?? e.message}, HTTP ${e.status}`;
  }
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return `no answer within ${TIMEOUT_S} seconds`;
  }
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur instanceof Error && depth < 4; depth++) {
    if (cur.message && cur.message !== 'something went wrong') parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(': ') || 'unknown error';
}

async function platformIssuer(platformUrl: URL): Promise<URL> {
  const where = new URL('/.well-known/opentdf-configuration', platformUrl);
  let body: string;
  try {
    const res = await fetch(where, { signal: AbortSignal.timeout(TIMEOUT_S * 1000) });
    body = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (body.length > MAX_DOCUMENT_BYTES) throw new Error('the document is too large');
  } catch (e) {
    throw new OpentdfConnectionError(
      `the OpenTDF platform's configuration at ${where.href} could not be read: ${reason(e)}`,
    );
  }
  let issuer: unknown;
  try {
    const doc = JSON.parse(body) as { configuration?: Record<string, unknown> };
    issuer = doc.configuration?.['platform_issuer'];
  } catch {
    throw new OpentdfConnectionError(
      `the OpenTDF platform's configuration at ${where.href} is not JSON`,
    );
  }
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw new OpentdfConnectionError(
      `the OpenTDF platform's configuration at ${where.href} names no identity provider (configuration.platform_issuer)`,
    );
  }
  return new URL(issuer);
}

/** Connects as Wickr would; resolves with what it found, or throws OpentdfConnectionError. */
export async function testConnection(
  target: OpentdfTarget,
  allowHttp: (url: URL) => boolean,
): Promise<OpentdfConnection> {
  const issuer = await platformIssuer(target.platformUrl);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && allowHttp(issuer))) {
    throw new OpentdfConnectionError(
      `the OpenTDF platform's identity provider ${issuer.href} does not use https`,
    );
  }
  const insecure = issuer.protocol === 'http:';
  let config: client.Configuration;
  try {
    config = await client.discovery(
      issuer,
      target.clientId,
      undefined,
      client.ClientSecretBasic(target.clientSecret),
      { execute: insecure ? [client.allowInsecureRequests] : [], timeout: TIMEOUT_S },
    );
  } catch (e) {
    throw new OpentdfConnectionError(
      `OpenID discovery at the platform's identity provider ${issuer.href} failed: ${reason(e)}`,
    );
  }
  try {
    await client.clientCredentialsGrant(config);
  } catch (e) {
    throw new OpentdfConnectionError(
      `the identity provider ${issuer.href} refused the client credentials of ${target.clientId}: ${reason(e)}`,
    );
  }
  const metadata = config.serverMetadata();
  return { issuer: metadata.issuer, tokenEndpoint: metadata.token_endpoint };
}
