/**
 * An in-process cache of uname → username per network, for BatchLookupUserUname: the API's
 * hot path, and one whose answers change only when a member is added, removed or renamed.
 * The lookup keeps each uname's answer item as the writer compiled from the contract's item
 * shape wrote it (user-lookup.ts), and answers a hit with that string as it is.
 *
 * Entries are trusted only together with the network's `lookup_version` (migration 006),
 * which database triggers move on every such change, whoever makes it: each lookup reads the
 * version (with the tenancy check, one indexed row; on SQLite from memory while no commit has
 * happened since, see store/change-probe.ts) and a different version empties the network's
 * entries. So a cache never answers with a name the database no longer holds, in
 * one process or many (replicas on PostgreSQL, the CLI writing the SQLite file).
 *
 * Only found unames are kept. The bound is on entries across all networks: when it is
 * reached, the largest network's oldest entries go first (the order they were kept in).
 */
/**
 * One network's entries. Each is kept as one string, the lookup's whole answer item for the
 * key as the item writer wrote it: `{"uname":"<key>"` then the rest of the item (user-lookup.ts
 * checks at start that its writer puts the uname first), so a hit is answered with the string
 * itself. Items are found through an open-addressing table in two
 * typed arrays (per position: the key's hash + 1, 0 when empty, and the item's index),
 * confirmed by comparing the whole key. Why not a Map: on a 100k-entry cache each read is a
 * likely cache and TLB miss; the table's probe reads 8 bytes of a dense array, and then only
 * the item itself is read (a Map read its bucket, then its entry, then the item: 50 lookups
 * measured 23–28 µs against 19–21 µs). Keys are printable ASCII without `"` or a backslash;
 * others are never kept (they are read from the database each time), so an item's key is
 * everything between its head and the next `"`.
 */
export class Names {
  /** Items in the order they were kept. */
  private items: string[] = [];
  private hashes = new Int32Array(MIN_TABLE);
  private index = new Int32Array(MIN_TABLE);

  get size(): number {
    return this.items.length;
  }

  /** The answer item of `key` (`hash`: keyHash(key), when the caller has it already). */
  item(key: string, hash: number = keyHash(key)): string | undefined {
    const h = hash + 1;
    const hashes = this.hashes;
    const mask = hashes.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const f = hashes[p]!;
      if (f === 0) return undefined;
      if (f === h) {
        const item = this.items[this.index[p]!]!;
        if (isItemOf(item, key)) return item;
      }
    }
  }

  has(key: string): boolean {
    return this.item(key) !== undefined;
  }

  /** Keys in the order they were kept. */
  *keys(): IterableIterator<string> {
    for (const item of this.items) yield keyOf(item);
  }

  /**
   * Adds the key's answer item; false when the key may not be kept, is there already, or the
   * item is not the key's (one that does not start with the key's head).
   */
  add(key: string, item: string): boolean {
    if (!PLAIN.test(key) || !isItemOf(item, key) || this.has(key)) return false;
    // At most half full, so that a miss meets an empty position soon.
    if ((this.items.length + 1) * 2 > this.hashes.length) this.rebuild(this.hashes.length * 2);
    this.place(keyHash(key), this.items.length);
    this.items.push(item);
    return true;
  }

  /** Drops the `n` oldest entries (or all); returns how many went. */
  dropOldest(n: number): number {
    const dropped = Math.min(n, this.items.length);
    this.items = this.items.slice(dropped);
    this.rebuild(this.hashes.length);
    return dropped;
  }

  private place(hash: number, at: number): void {
    const h = hash + 1;
    const mask = this.hashes.length - 1;
    let p = h & mask;
    while (this.hashes[p] !== 0) p = (p + 1) & mask;
    this.hashes[p] = h;
    this.index[p] = at;
  }

  /** A fresh table of `size` positions over the items (linear probing has no cheap delete). */
  private rebuild(size: number): void {
    this.hashes = new Int32Array(size);
    this.index = new Int32Array(size);
    this.items.forEach((item, i) => this.place(keyHash(keyOf(item)), i));
  }
}

/** What every answer item starts with; the key follows. */
export const ITEM_HEAD = '{"uname":"';
const MIN_TABLE = 16;

/** Keys that need no JSON escaping and hold no `"`: the keys entries are kept for. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A Smi (30-bit) from the key's length and first 12 characters (unames: 48 random bits). */
export function keyHash(key: string): number {
  let h = key.length;
  const n = key.length < 12 ? key.length : 12;
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h & 0x3fffffff;
}

const keyOf = (item: string) => item.slice(ITEM_HEAD.length, item.indexOf('"', ITEM_HEAD.length));

/** Whether `item` is `key`'s: a kept key holds no `"`, so the key ends where the item's next `"` is. */
const isItemOf = (item: string, key: string) =>
  item.charCodeAt(ITEM_HEAD.length + key.length) === 34 &&
  item.startsWith(key, ITEM_HEAD.length) &&
  !key.includes('"');

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
   * Keeps answer items (by uname) read from the database after `version` was read. Skipped
   * when the network has moved on meanwhile (another request saw a newer version): the rows
   * may predate it.
   */
  keep(networkId: string, version: number, found: Iterable<[string, string]>): void {
    const net = this.networks.get(networkId);
    if (!net || net.version !== version) return;
    for (const [uname, item] of found) {
      if (net.names.has(uname)) continue;
      if (this.entries >= this.capacity) this.shrink();
      if (net.names.add(uname, item)) this.entries++;
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
