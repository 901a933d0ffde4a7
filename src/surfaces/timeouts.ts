/**
 * How long a client may take to send a request: its headers, and the whole of it. Without a
 * limit (Fastify turns Node's off) a client trickling a body a byte at a time held a
 * connection, and its request's memory, for as long as it liked. A request not received in time
 * is answered 400 BadRequestError ("not received in time", protocol/http.ts) and closed.
 */
import type { Server } from 'node:http';

export interface RequestTimeouts {
  /** Milliseconds for the request line and headers; 0: no limit. */
  headersTimeoutMs: number;
  /** Milliseconds for the whole request, body included; 0: no limit. */
  requestTimeoutMs: number;
}

/** Sets the limits on `server`; call before it listens. */
export function applyRequestTimeouts(server: Server, t: RequestTimeouts): void {
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = t.requestTimeoutMs;
  // Node checks the limits on a timer, every `connectionsCheckingInterval` ms (30 s by default:
  // a 60 s limit then cut at up to 90 s). The option is the server constructor's, which
  // Fastify makes; the property it is kept in is read when the server starts listening, so
  // setting it before works: a tenth of the shortest limit keeps the cut within 10 % of it.
  const limits = [t.headersTimeoutMs, t.requestTimeoutMs].filter((ms) => ms > 0);
  if (limits.length > 0)
    (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
      Math.min(30_000, Math.max(50, Math.floor(Math.min(...limits) / 10)));
}
