// A signed Admin API call against an embedded server, for vitest tests.
import { signRequest } from '../../src/auth/sigv4.js';
import type { EmbeddedServer } from '../../src/index.js';

/** Sends a SigV4-signed JSON request (signed at `now`, if given); throws on a non-2xx answer. */
export async function adminCall(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  method: string,
  path: string,
  body?: unknown,
  now?: number,
): Promise<Record<string, unknown>> {
  const url = new URL(server.endpoint);
  const data = body === undefined ? '' : JSON.stringify(body);
  const headers = signRequest({
    method,
    url: path,
    host: url.host,
    headers: data ? { 'content-type': 'application/json' } : {},
    body: data,
    accessKeyId: server.credentials.accessKeyId,
    secretAccessKey: server.credentials.secretAccessKey,
    region: server.credentials.region,
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
