/** Turns a signed request into a Principal, or throws UnauthorizedError. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { unauthorized } from '../contract/errors.js';
import { findKey, type KeyUse } from './keys.js';
import type { Principal } from '../domain/context.js';
import { compileActions } from './policy.js';
import {
  deriveSigningKey,
  parseAuthorization,
  verifySignature,
  type SignedRequest,
} from './sigv4.js';

interface CachedKey {
  secret: string;
  principal: Omit<Principal, 'region'>;
  revoked: boolean;
  fetchedAt: number;
  /** The key's principal per region it signed for (made once, not per request). */
  byRegion: Map<string, Principal>;
  /** The signing key last derived for this key, and its day and region. */
  signing?: { date: string; region: string; service: string; key: Buffer };
}

export interface AuthenticatorOptions {
  /** How long a key read from the database is trusted before it is read again. */
  keyCacheMs: number;
  now?: () => number;
  /** Told of each key that authenticates (its "last used"). */
  keyUse?: KeyUse;
}

export class Authenticator {
  private readonly keys = new Map<string, CachedKey>();
  /** Signing keys per access key, day and region: derived once, not per request. */
  private readonly signingKeys = new Map<string, Buffer>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: AuthenticatorOptions,
  ) {}

  /** `service`: the one the signature must be scoped to (default `wickr`). */
  async authenticate(req: SignedRequest, service?: string): Promise<Principal> {
    const now = this.options.now?.() ?? Date.now();
    const parsed = parseAuthorization(req, now, service);
    // A key read recently is used as it is, without waiting on a promise.
    const key = this.fresh(parsed.accessKeyId, now) ?? (await this.lookup(parsed.accessKeyId, now));
    if (!key) {
      throw unauthorized(`The access key ID ${parsed.accessKeyId} does not exist in our records.`);
    }
    if (key.revoked)
      throw unauthorized(`The access key ID ${parsed.accessKeyId} has been revoked.`);
    verifySignature(req, parsed, this.signingKey(key, parsed));
    this.options.keyUse?.note(parsed.accessKeyId);
    let principal = key.byRegion.get(parsed.region);
    if (!principal) {
      principal = { ...key.principal, region: parsed.region };
      if (key.byRegion.size < 100) key.byRegion.set(parsed.region, principal);
    }
    return principal;
  }

  /** The signing key of the day and region, derived once per access key, secret, day and region. */
  private signingKey(
    key: CachedKey,
    parsed: { accessKeyId: string; date: string; region: string; service: string },
  ) {
    const last = key.signing;
    if (
      last &&
      last.date === parsed.date &&
      last.region === parsed.region &&
      last.service === parsed.service
    )
      return last.key;
    const cacheKey = `${parsed.accessKeyId}\n${parsed.date}\n${parsed.region}\n${parsed.service}\n${key.secret}`;
    let signingKey = this.signingKeys.get(cacheKey);
    if (!signingKey) {
      if (this.signingKeys.size > 10_000) this.signingKeys.clear();
      signingKey = deriveSigningKey(key.secret, parsed.date, parsed.region, parsed.service);
      this.signingKeys.set(cacheKey, signingKey);
    }
    key.signing = {
      date: parsed.date,
      region: parsed.region,
      service: parsed.service,
      key: signingKey,
    };
    return signingKey;
  }

  private fresh(id: string, now: number): CachedKey | undefined {
    const cached = this.keys.get(id);
    return cached && now - cached.fetchedAt < this.options.keyCacheMs ? cached : undefined;
  }

  private async lookup(id: string, now: number): Promise<CachedKey | undefined> {
    const cached = this.fresh(id, now);
    if (cached) return cached;
    const row = await findKey(this.db, id);
    if (!row) {
      this.keys.delete(id);
      return undefined;
    }
    const actions = JSON.parse(row.actions) as string[];
    const entry: CachedKey = {
      secret: row.secret_access_key,
      revoked: row.revoked_at !== null,
      fetchedAt: now,
      byRegion: new Map(),
      principal: {
        accountId: row.account_id,
        accessKeyId: row.access_key_id,
        userName: row.user_name,
        actions,
        actionPattern: compileActions(actions),
        ...(row.networks ? { networks: JSON.parse(row.networks) as string[] } : {}),
      },
    };
    if (this.keys.size > 10_000) this.keys.clear();
    this.keys.set(id, entry);
    return entry;
  }
}
