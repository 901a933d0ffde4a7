/**
 * The OpenID Connect provider client: discovery and the token endpoint, through openid-client.
 *
 * Outbound HTTP goes through our own fetch over node:http/https, so that an administrator's CA
 * certificate can be trusted for one request without touching the process's trust store.
 * Failures are ProviderErrors whose message says what went wrong in words; the domain
 * decides what the API answers.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import * as client from 'openid-client';

/** Seconds allowed for each request to an identity provider. */
const PROVIDER_TIMEOUT_S = 10;
/** Discovery documents and token responses are small; refuse anything absurd. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The provider could not be reached or refused; the message is readable. */
export class ProviderError extends Error {}

type FetchBody = client.CustomFetchOptions['body'];

function bodyBytes(body: FetchBody): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new Error('streamed request bodies are not supported');
}

/**
 * A fetch over node:http/https that trusts the system CAs plus an optional PEM. Each request
 * has a deadline of its own, from the start to the last byte of the response: the socket's
 * inactivity timeout alone never ends a peer that trickles its answer, and not every caller
 * passes openid-client's abort signal (the OpenTDF platform's configuration).
 */
export function providerFetch(certificate: string | undefined): client.CustomFetch {
  const ca = certificate ? [...rootCertificates, certificate] : undefined;
  return (url, options) =>
    new Promise<Response>((resolveFetch, rejectFetch) => {
      const ended = { deadline: undefined as NodeJS.Timeout | undefined };
      const resolve = (r: Response) => {
        clearTimeout(ended.deadline);
        resolveFetch(r);
      };
      const reject = (e: unknown) => {
        clearTimeout(ended.deadline);
        rejectFetch(e instanceof Error ? e : new Error(String(e)));
      };
      const target = new URL(url);
      const transport = target.protocol === 'https:' ? https : http;
      const body = bodyBytes(options.body);
      const headers: Record<string, string> = { ...options.headers };
      if (body) headers['content-length'] = String(body.length);
      const req = transport.request(
        target,
        {
          method: options.method,
          headers,
          timeout: PROVIDER_TIMEOUT_S * 1000,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(ca && target.protocol === 'https:' ? { ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('the response is too large'));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 502;
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) for (const x of v) h.append(k, x);
              else if (v !== undefined) h.set(k, v);
            }
            const noBody = status === 204 || status === 304 || status < 200;
            try {
              resolve(
                new Response(noBody ? null : Buffer.concat(chunks), {
                  status: status < 200 || status > 599 ? 502 : status,
                  statusText: res.statusMessage ?? '',
                  headers: h,
                }),
              );
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer within ${PROVIDER_TIMEOUT_S} seconds`)),
      );
      req.on('error', reject);
      ended.deadline = setTimeout(() => {
        const err = new Error(`no answer within ${PROVIDER_TIMEOUT_S} seconds`);
        req.destroy(err);
        reject(err);
      }, PROVIDER_TIMEOUT_S * 1000);
      req.end(body);
    });
}

/** A readable account of a failure: the messages of the error and its causes. */
export function describeFailure(e: unknown): string {
  const parts: string[] = [];
  const add = (m: string) => {
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
  };
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof client.ResponseBodyError) {
      const desc = cur.error_description ? ` (${cur.error_description})` : '';
      add(`${cur.error}${desc}, HTTP ${cur.status}`);
      break;
    }
    if (cur instanceof client.WWWAuthenticateChallengeError) {
      // e.g. a 401 for bad client credentials: the error is in the challenge's parameters.
      const params = cur.cause[0]?.parameters;
      const desc = params?.error_description ? ` (${params.error_description})` : '';
      add(`${params?.error ?? cur.message}${desc}, HTTP ${cur.status}`);
      break;
    }
    if (cur instanceof Response) {
      // openid-client attaches the offending response: say what it was.
      add(`HTTP ${cur.status}, content-type ${cur.headers.get('content-type') ?? 'none'}`);
      break;
    }
    if (cur instanceof Error && (cur.name === 'TimeoutError' || cur.name === 'AbortError')) {
      add(`no answer within ${PROVIDER_TIMEOUT_S} seconds`);
      break;
    }
    if (cur instanceof Error) {
      // The library's generic wrapper says nothing its cause does not say better.
      if (cur.message !== 'something went wrong') add(cur.message);
      cur = cur.cause;
      continue;
    }
    const detail = cur as {
      expected?: unknown;
      attribute?: unknown;
      body?: Record<string, unknown>;
    };
    if (typeof detail.attribute === 'string' && detail.body && typeof detail.body === 'object') {
      add(
        `the document's ${detail.attribute} is ${JSON.stringify(detail.body[detail.attribute])}, expected ${JSON.stringify(detail.expected)}`,
      );
    }
    break;
  }
  return parts.join(': ') || 'unknown error';
}

export interface Discovered {
  config: client.Configuration;
  metadata: client.ServerMetadata;
}

/** OpenID discovery at `<issuer>/.well-known/openid-configuration`, validated by openid-client. */
export async function discover(
  issuer: URL,
  clientId: string,
  clientSecret: string | undefined,
  certificate: string | undefined,
): Promise<Discovered> {
  const fetch = providerFetch(certificate);
  const insecure = issuer.protocol === 'http:';
  let found: client.Configuration;
  try {
    found = await client.discovery(issuer, clientId, undefined, client.None(), {
      [client.customFetch]: fetch,
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: PROVIDER_TIMEOUT_S,
    });
  } catch (e) {
    throw new ProviderError(describeFailure(e), { cause: e });
  }
  const metadata = { ...found.serverMetadata() } as client.ServerMetadata;
  // The client authentication is chosen from what the provider says it supports.
  const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const auth =
    clientSecret === undefined
      ? client.None()
      : !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
        ? client.ClientSecretPost(clientSecret)
        : client.ClientSecretBasic(clientSecret);
  const config = new client.Configuration(metadata, clientId, clientSecret, auth);
  config[client.customFetch] = fetch;
  config.timeout = PROVIDER_TIMEOUT_S;
  if (insecure) client.allowInsecureRequests(config);
  return { config, metadata };
}

/** Exchanges an authorization code at the token endpoint (a plain grant request: the code
 * comes from the app, not from a callback URL we received). */
export async function authorizationCodeGrant(
  config: client.Configuration,
  params: Record<string, string>,
): Promise<client.TokenEndpointResponse> {
  try {
    return await client.genericGrantRequest(config, 'authorization_code', params);
  } catch (e) {
    throw new ProviderError(describeFailure(e), { cause: e });
  }
}

/** A client-credentials grant at the token endpoint (the client's own token). */
export async function clientCredentialsGrant(
  config: client.Configuration,
): Promise<client.TokenEndpointResponse> {
  try {
    return await client.clientCredentialsGrant(config);
  } catch (e) {
    throw new ProviderError(describeFailure(e), { cause: e });
  }
}

export const pkceChallenge = (verifier: string) => client.calculatePKCECodeChallenge(verifier);
