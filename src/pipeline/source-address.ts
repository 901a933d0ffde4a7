/**
 * The pipeline's first step: the client's address, which every rate limit, lockout, log line
 * and audit record of the request uses. It is the socket's peer unless that peer is a trusted
 * proxy (WICKR_TRUSTED_PROXIES): then X-Forwarded-For is read from the right, skipping the
 * hops that are trusted proxies too, and the first other address is the client's. What lies
 * further left was written by the client and is never believed; with no trusted proxies the
 * header is ignored.
 */
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** Addresses and CIDR blocks (IPv4 or IPv6); throws on anything else. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? undefined : Number(prefix);
      const max = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        extra !== undefined ||
        (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max))
      ) {
        throw new Error(`"${entry}" is not an IP address or a CIDR block (e.g. 10.0.0.0/8)`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, bits, type);
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Parses the setting: addresses or CIDR blocks separated by commas or blanks. */
export function trustedProxiesOf(text: string | undefined): TrustedProxies | undefined {
  const entries = (text ?? '').split(/[\s,]+/).filter(Boolean);
  return entries.length > 0 ? new TrustedProxies(entries) : undefined;
}

/**
 * An address as written by a socket or a proxy, without an IPv4-mapped IPv6 prefix, IPv6
 * brackets or a port; undefined when it is not an IP address.
 */
export function plainAddress(text: string): string | undefined {
  let a = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  return isIP(a) === 0 ? undefined : a;
}

/** The client's address of a request from `peer` carrying `forwarded` (X-Forwarded-For). */
export function sourceAddress(
  peer: string | undefined,
  forwarded: string | string[] | undefined,
  proxies: TrustedProxies | undefined,
): string | undefined {
  const from = peer === undefined ? undefined : (plainAddress(peer) ?? peer);
  if (!proxies || from === undefined || forwarded === undefined || !proxies.trusts(from))
    return from;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',');
  let client = from;
  for (let i = hops.length - 1; i >= 0 && proxies.trusts(client); i--) {
    const hop = plainAddress(hops[i]!);
    // Not an address: no proxy wrote it, so the walk ends at the last hop that was one.
    if (hop === undefined) break;
    client = hop;
  }
  return client;
}
