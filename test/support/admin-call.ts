// The Admin API for vitest tests: the package's own generic signed client (`call(operation,
// input)`, binding from the contract), so no test writes an Admin API path by hand. Tests that
// send deliberately malformed requests use signed-request.ts instead.
import {
  AdminApiError,
  AdminClient,
  type EmbeddedServer,
  type Input,
  type SigningCredentials,
} from '../../src/index.js';
import type { OperationName } from '../../src/contract/index.js';

/** A client of `server` with its root key; signing at `now()` when given (a test clock). */
export function adminClient(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  now?: () => number,
): AdminClient {
  return new AdminClient({
    endpoint: server.endpoint,
    region: server.credentials.region,
    credentials: server.credentials,
    maxRetries: 0,
    ...(now ? { now } : {}),
  });
}

/** A new network's ID and its default security group's. */
export async function networkWithGroup(
  client: AdminClient,
  networkName: string,
): Promise<{ networkId: string; groupId: string }> {
  const networkId = (await client.call('CreateNetwork', { networkName, accessLevel: 'STANDARD' }))
    .networkId!;
  const { securityGroups } = await client.call('ListSecurityGroups', { networkId });
  return { networkId, groupId: securityGroups![0]!.id! };
}

/** A call's HTTP status and body, whether it succeeded or failed with a modelled error. */
export async function statusOf(call: Promise<unknown>): Promise<{ status: number; body: string }> {
  try {
    return { status: 200, body: JSON.stringify(await call) };
  } catch (e) {
    if (e instanceof AdminApiError) return { status: e.status, body: e.message };
    throw e;
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * The whole answer to one call through the generic client (status, headers, parsed body),
 * whether it succeeded or failed with a modelled error: for tests of statuses and headers.
 * A connection that fails rejects, as with the client.
 */
export async function answerOf<N extends OperationName>(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  operation: N,
  input: Input<N>,
  options: { credentials?: SigningCredentials; userAgent?: string } = {},
): Promise<Answer> {
  let seen: Response | undefined;
  const client = new AdminClient({
    endpoint: server.endpoint,
    region: server.credentials.region,
    credentials: options.credentials ?? server.credentials,
    maxRetries: 0,
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers);
      if (options.userAgent) headers.set('user-agent', options.userAgent);
      const res = await fetch(url, { ...init, headers });
      seen = res.clone();
      return res;
    },
  });
  try {
    await client.call(operation, input);
  } catch (e) {
    if (!(e instanceof AdminApiError) || !seen) throw e;
  }
  const text = await seen!.text();
  return {
    status: seen!.status,
    headers: seen!.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}
