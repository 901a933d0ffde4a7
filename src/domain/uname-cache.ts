/**
 * An in-process cache of uname → username per network, for BatchLookupUserUname: the API's
 * hot path, and one whose answers change only when a member is added, removed or renamed.
 * The lookup keeps each uname's answer item already written as JSON (user-lookup.ts).
 *
 * Entries are trusted only together with the network's `lookup_version` (migration 006),
 * which database triggers move on every such change, whoever makes it: each lookup reads the
 * version (with the tenancy check, one indexed row) and a different version empties the
 * network's entries. So a cache never answers with a name the database no longer holds, in
 * one process or many (replicas on PostgreSQL, the CLI writing the SQLite file).
 *
 * Only found unames are kept. The bound is on entries across all networks: when it is
 * reached, the largest network's oldest entries go first (a Map's own insertion order).
 */
export class UnameCache {
  private readonly networks = new Map<string, { version: number; names: Map<string, string> }>();
  private entries = 0;
  /** Unames answered from the cache and read from the database (metrics). */
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  /** Forgets every entry (test controls' reset: network IDs may come back). */
  clear(): void {
    this.networks.clear();
    this.entries = 0;
  }

  /**
   * The network's cached names, valid at `version`; entries kept at another version are
   * dropped first. Undefined when the cache is disabled.
   */
  at(networkId: string, version: number): ReadonlyMap<string, string> | undefined {
    if (this.capacity <= 0) return undefined;
    const net = this.networks.get(networkId);
    if (net?.version === version) return net.names;
    if (net) this.entries -= net.names.size;
    const names = new Map<string, string>();
    this.networks.set(networkId, { version, names });
    return names;
  }

  /**
   * Keeps names read from the database after `version` was read. Skipped when the network
   * has moved on meanwhile (another request saw a newer version): the rows may predate it.
   */
  keep(networkId: string, version: number, found: Iterable<[string, string]>): void {
    const net = this.networks.get(networkId);
    if (!net || net.version !== version) return;
    for (const [uname, username] of found) {
      if (net.names.has(uname)) continue;
      if (this.entries >= this.capacity) this.shrink();
      net.names.set(uname, username);
      this.entries++;
    }
  }

  get size(): number {
    return this.entries;
  }

  /**
   * Makes room: drops the oldest hundredth of the capacity from the network holding the most
   * entries, so a large network cannot crowd out a small one, and the scan over networks is
   * paid once per many insertions.
   */
  private shrink(): void {
    let largest: Map<string, string> | undefined;
    for (const [id, net] of this.networks) {
      if (net.names.size === 0 && this.networks.size > 1) this.networks.delete(id);
      else if (!largest || net.names.size > largest.size) largest = net.names;
    }
    if (!largest) return;
    let drop = Math.max(1, Math.ceil(this.capacity / 100));
    for (const uname of largest.keys()) {
      if (drop-- === 0) break;
      largest.delete(uname);
      this.entries--;
    }
  }
}
