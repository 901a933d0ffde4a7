/** Bearer-token checks of the operator surfaces (/_wickr/, /metrics). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../contract/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws UnauthorizedError unless the request carries `Authorization: Bearer <token>`. */
export function requireBearer(req: FastifyRequest, token: string, what: string): void {
  const header = req.headers.authorization ?? '';
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  // Compared as digests: equal lengths, and the time taken says nothing about the token.
  if (!given || !timingSafeEqual(digest(given), digest(token))) {
    throw unauthorized(`${what} need the bearer token (Authorization: Bearer <token>).`);
  }
}

/** Loopback addresses, where the test controls need no token. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1'
  );
}
