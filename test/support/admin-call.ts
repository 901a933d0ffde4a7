// A signed Admin API client for an embedded server, for vitest tests: the package's own client.
import { AdminClient, Signer, type EmbeddedServer } from '../../src/index.js';

/** A client of `server` with its root key; signing at `now()` when given (a test clock). */
export function adminClient(server: EmbeddedServer, now?: () => number): AdminClient {
  return new AdminClient({
    endpoint: server.endpoint,
    region: server.credentials.region,
    credentials: server.credentials,
    maxRetries: 0,
    ...(now ? { now } : {}),
  });
}

/**
 * A signed request by method and raw path, for tests written against paths (signed by the
 * client's Signer, the same code as AdminClient). Prefer `adminClient(server).call(...)`.
 */
export async function adminCall(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  method: string,
  path: string,
  body?: unknown,
  now?: number,
): Promise<Record<string, unknown>> {
  const data = body === undefined ? '' : JSON.stringify(body);
  const headers = new Signer(server.credentials, server.credentials.region).sign({
    method,
    url: path,
    host: new URL(server.endpoint).host,
    headers: data ? { 'content-type': 'application/json' } : {},
    body: data,
    ...(now !== undefined ? { now } : {}),
  });
  delete headers['host'];
  const res = await fetch(server.endpoint + path, {
    method,
    headers,
    ...(data ? { body: data } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
