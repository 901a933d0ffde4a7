// A signed Admin API client for an embedded server, for vitest tests: the package's own client.
import { AdminClient, type EmbeddedServer } from '../../src/index.js';

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
