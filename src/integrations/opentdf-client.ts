/**
 * The OpenTDF platform client: a test connection, as RegisterOpentdfConfig's dry run documents.
 *
 * Three steps, each of which must work for Wickr to use the platform:
 * 1. the platform's well-known configuration, `GET <platform>/.well-known/opentdf-configuration`,
 *    names its identity provider (`configuration.platform_issuer`);
 * 2. OpenID discovery at that identity provider;
 * 3. a client-credentials grant there with the configured client ID and secret.
 * A failure is an OpentdfConnectionError saying which step failed and why; the domain decides
 * what the API answers. HTTP goes through the OIDC client's fetch (timeouts, size limit).
 */
import {
  ProviderError,
  clientCredentialsGrant,
  describeFailure,
  discover,
  providerFetch,
} from './oidc-client.js';

export class OpentdfConnectionError extends Error {}

export interface OpentdfTarget {
  /** Where the platform answers, e.g. https://opentdf.example.com. */
  platformUrl: URL;
  clientId: string;
  clientSecret: string;
}

async function platformIssuer(platformUrl: URL): Promise<URL> {
  const where = new URL('/.well-known/opentdf-configuration', platformUrl);
  const fail = (why: string) =>
    new OpentdfConnectionError(
      `the OpenTDF platform's configuration at ${where.href} could not be used: ${why}`,
    );
  let body: string;
  try {
    const res = await providerFetch(undefined)(where.href, {
      method: 'GET',
      headers: { accept: 'application/json' },
      body: undefined,
      redirect: 'manual',
    });
    body = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    throw fail(describeFailure(e));
  }
  let issuer: unknown;
  try {
    const doc = JSON.parse(body) as { configuration?: Record<string, unknown> };
    issuer = doc.configuration?.['platform_issuer'];
  } catch {
    throw fail('it is not JSON');
  }
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw fail('it names no identity provider (configuration.platform_issuer)');
  }
  return new URL(issuer);
}

/** Connects as Wickr would; resolves with the identity provider, or throws OpentdfConnectionError. */
export async function testConnection(
  target: OpentdfTarget,
  allowHttp: (url: URL) => boolean,
): Promise<{ issuer: string }> {
  const issuer = await platformIssuer(target.platformUrl);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && allowHttp(issuer))) {
    throw new OpentdfConnectionError(
      `the OpenTDF platform's identity provider ${issuer.href} does not use https`,
    );
  }
  let found: Awaited<ReturnType<typeof discover>>;
  try {
    found = await discover(issuer, target.clientId, target.clientSecret, undefined);
  } catch (e) {
    if (!(e instanceof ProviderError)) throw e;
    throw new OpentdfConnectionError(
      `OpenID discovery at the platform's identity provider ${issuer.href} failed: ${e.message}`,
    );
  }
  try {
    await clientCredentialsGrant(found.config);
  } catch (e) {
    if (!(e instanceof ProviderError)) throw e;
    throw new OpentdfConnectionError(
      `the identity provider ${issuer.href} refused the client credentials of ${target.clientId}: ${e.message}`,
    );
  }
  return { issuer: found.metadata.issuer };
}
