/**
 * Who may drive the test controls besides their bearer token: requests addressed to this server
 * by one of its own names, not sent by a page of another origin, with JSON bodies. A web page
 * can otherwise reach a server on the visitor's machine: a form's text/plain POST needs no
 * permission (it deleted every network), and a page whose host name is re-pointed at 127.0.0.1
 * (DNS rebinding) reads the answers too (the invite codes of /_wickr/mail).
 */
import type { FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../../contract/errors.js';

/** Names a server on this machine always answers to. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
/** Addresses that mean "every interface": not a name a client uses. */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export interface HostsOptions {
  /** The address the server listens on (WICKR_HOST). */
  listenHost: string;
  /** WICKR_PUBLIC_URL, whose host name clients use. */
  publicUrl?: string;
  /** More names (WICKR_ALLOWED_HOSTS): a container's service name, a LAN address. */
  allowedHosts?: readonly string[];
}

/** The host names (no port, lower case, IPv6 without brackets) the controls answer to. */
export function controlHosts(options: HostsOptions): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const add = (h: string) => {
    const name = bare(h);
    if (!WILDCARDS.has(name)) names.add(name);
  };
  add(options.listenHost);
  if (options.publicUrl) {
    try {
      add(new URL(options.publicUrl).hostname);
    } catch {
      // Not a URL: it names no host.
    }
  }
  for (const h of options.allowedHosts ?? []) add(h);
  return names;
}

const bare = (host: string) =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');

/** The host name of a Host header (`name:port`, `[v6]:port`), or undefined if malformed. */
function hostName(header: string): string | undefined {
  try {
    return bare(new URL(`http://${header}`).hostname);
  } catch {
    return undefined;
  }
}

/** `host:port` as a browser would write it (default port dropped, lower case). */
function normalHost(header: string, protocol = 'http:'): string | undefined {
  try {
    return new URL(`${protocol}//${header}`).host;
  } catch {
    return undefined;
  }
}

/**
 * Throws ForbiddenError for a request addressed to another host name or sent by a page of
 * another origin. Clients that are not browsers send no Origin and pass on the Host alone.
 */
export function checkAddressed(req: FastifyRequest, hosts: ReadonlySet<string>): void {
  const host = req.headers.host ?? '';
  const name = hostName(host);
  if (!name || !hosts.has(name)) {
    throw forbidden(
      `The test controls answer only requests addressed to this server; the Host "${host}" is ` +
        `not one of ${[...hosts].join(', ')}. Name it in WICKR_ALLOWED_HOSTS to allow it.`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let from: URL | undefined;
    try {
      from = new URL(origin);
    } catch {
      // "null" (a sandboxed or file page) and anything malformed: not this server.
    }
    if (!from || from.host !== normalHost(host, from.protocol)) {
      throw forbidden(
        `The test controls refuse requests from web pages of other origins (Origin "${origin}").`,
      );
    }
  }
  // Browsers say where a request comes from even when they send no Origin (a GET).
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw forbidden('The test controls refuse requests from web pages of other origins.');
  }
}

/** Media types a body may have: JSON everywhere; YAML too where a fixture is sent. */
export const JSON_TYPES: readonly string[] = ['application/json'];
export const FIXTURE_TYPES: readonly string[] = [
  'application/json',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
];

/**
 * Throws BadRequestError for a body of another type. A form or `text/plain` body is what a web
 * page of another origin can send without asking; JSON it cannot. A request without a body
 * needs no type.
 */
export function checkBodyType(req: FastifyRequest, types: readonly string[]): void {
  const type = req.headers['content-type'];
  const length = req.headers['content-length'];
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (length !== undefined && length !== '0') ||
    type !== undefined;
  if (!hasBody) return;
  const media = (type ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(media)) {
    throw badRequest(
      `The test controls take ${types.length === 1 ? types[0] : `one of ${types.join(', ')}`} ` +
        `bodies (Content-Type: ${media || 'none'}).`,
    );
  }
}
