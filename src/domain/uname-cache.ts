/**
 * An in-process cache of uname → username per network, for BatchLookupUserUname: the API's
 * hot path, and one whose answers change only when a member is added, removed or renamed.
 * The lookup keeps each uname's answer item already written as JSON (user-lookup.ts).
 *
 * Entries are trusted only together with the network's `lookup_version` (migration 006),
 * which database triggers move on every such change, whoever makes it: each lookup reads the
 * version (with the tenancy check, one indexed row; on SQLite from memory while no commit has
 * happened since, see store/change-probe.ts) and a different version empties the network's
 * entries. So a cache never answers with a name the database no longer holds, in
 * one process or many (replicas on PostgreSQL, the CLI writing the SQLite file).
 *
 * Only found unames are kept. The bound is on entries across all networks: when it is
 * reached, the largest network's oldest entries go first (a Map's own insertion order).
 */
/**
 * One network's entries. Each is kept as one string, its record: the key, `"`, then the value
 * (the lookup's answer item follows from it without another read, see user-lookup.ts). Records
 * are found by a small integer computed from the key's first characters, then confirmed by
 * comparing the whole key: a Map of integers holds them inline, so a lookup reads the table and
 * the one record, not a separate key string (on a 100k-entry cache, each read is a likely cache
 * and TLB miss). Keys are printable ASCII without `"` or a backslash; others are never kept (they are
 * read from the database each time), so a record's key is everything before its first `"`.
 */
export class Names {
  private readonly records = new Map<number, string | string[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The record of `key`: `${key}"${value}`. */
  record(key: string): string | undefined {
    const r = this.records.get(slotOf(key));
    if (r === undefined) return undefined;
    if (typeof r === 'string') return isRecordOf(r, key) ? r : undefined;
    return r.find((x) => isRecordOf(x, key));
  }

  get(key: string): string | undefined {
    return this.record(key)?.slice(key.length + 1);
  }

  has(key: string): boolean {
    return this.record(key) !== undefined;
  }

  /** Keys in the order they were kept (the first of each slot's). */
  *keys(): IterableIterator<string> {
    for (const r of this.records.values()) {
      for (const x of typeof r === 'string' ? [r] : r) yield x.slice(0, x.indexOf('"'));
    }
  }

  /** Adds a record; false when the key may not be kept or is there already. */
  add(key: string, value: string): boolean {
    if (!PLAIN.test(key) || this.has(key)) return false;
    const slot = slotOf(key);
    const record = `${key}"${value}`;
    const r = this.records.get(slot);
    this.records.set(
      slot,
      r === undefined ? record : typeof r === 'string' ? [r, record] : [...r, record],
    );
    this.count++;
    return true;
  }

  /** Drops the oldest slots until at least `n` records are gone; returns how many went. */
  dropOldest(n: number): number {
    let dropped = 0;
    for (const [slot, r] of this.records) {
      if (dropped >= n) break;
      this.records.delete(slot);
      dropped += typeof r === 'string' ? 1 : r.length;
    }
    this.count -= dropped;
    return dropped;
  }
}

/** Keys that need no JSON escaping and hold no `"`: the keys records are kept for. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A Smi (31-bit) from the key's length and first 12 characters (unames: 48 random bits). */
function slotOf(key: string): number {
  let h = key.length;
  const n = key.length < 12 ? key.length : 12;
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}

/** Whether `record` is `key`'s: a kept key holds no `"`, so the key ends where the record's `"` is. */
const isRecordOf = (record: string, key: string) =>
  record.charCodeAt(key.length) === 34 && record.startsWith(key) && !key.includes('"');

export class UnameCache {
  private readonly networks = new Map<string, { version: number; names: Names }>();
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
  at(networkId: string, version: number): Names | undefined {
    if (this.capacity <= 0) return undefined;
    const net = this.networks.get(networkId);
    if (net?.version === version) return net.names;
    if (net) this.entries -= net.names.size;
    const names = new Names();
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
    for (const [uname, value] of found) {
      if (net.names.has(uname)) continue;
      if (this.entries >= this.capacity) this.shrink();
      if (net.names.add(uname, value)) this.entries++;
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
    let largest: Names | undefined;
    for (const [id, net] of this.networks) {
      if (net.names.size === 0 && this.networks.size > 1) this.networks.delete(id);
      else if (!largest || net.names.size > largest.size) largest = net.names;
    }
    if (!largest) return;
    this.entries -= largest.dropOldest(Math.max(1, Math.ceil(this.capacity / 100)));
  }
}
