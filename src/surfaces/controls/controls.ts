/**
 * What the test controls do, apart from HTTP: the /_wickr/ routes and an embedded server's
 * helpers both call these methods.
 */
import { clearLimitCounters } from '../../pipeline/shared-limits.js';
import type { Kysely } from 'kysely';
import { listAudit, purgeAudit, type AuditFilter, type AuditRecord } from '../../audit/list.js';
import { deleteKeys } from '../../auth/keys.js';
import type { Clock } from '../../clock.js';
import { listOutbox } from '../../delivery/outbox.js';
import { exportNetworks } from '../../fixtures/export.js';
import type { FixtureDoc } from '../../fixtures/format.js';
import { seed, type SeedSummary } from '../../fixtures/seed.js';
import { forgetAllIds } from '../../domain/owners/id-registry.js';
import { deleteNetworks } from '../../domain/owners/networks.js';
import { clearOutbox } from '../../domain/owners/outbox.js';
import { forgetTokens } from '../../pipeline/idempotency.js';
import type { Store } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import { badRequest } from '../../contract/errors.js';
import type { FaultInjector, FaultRule, FaultRuleInput } from './faults.js';

export interface ResetOptions {
  /** Only this account's networks, tokens (and keys, with `keys`). */
  accountId?: string;
  /** Only this network. */
  networkId?: string;
  /** Delete access keys too (never the server's root key: the one it was started with or created). */
  keys?: boolean;
  /** Delete the audit trail too (whole resets only). */
  audit?: boolean;
}

export interface MailFilter {
  networkId?: string;
  recipient?: string;
  status?: string;
  limit?: number;
}

export interface MailMessage {
  id: number;
  networkId: string;
  userId: string | null;
  kind: string;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  /** Parsed out of the message; null when it carries none. */
  inviteCode: string | null;
  registrationLink: string | null;
  body: string;
}

export interface ControlsDeps {
  store: Store;
  clock: Clock;
  faults: FaultInjector;
  /** Forgets in-memory state that a reset makes stale (caches, rate-limit buckets). */
  forget(): void;
  defaults: { accountId: string; region: string };
  /** The server's own root key, which a reset never deletes. */
  rootAccessKeyId?: string;
  operations: ReadonlySet<string>;
}

/** The invitation link and code of a message body (whatever its template looks like). */
export function parseInvitation(body: string): {
  inviteCode: string | null;
  registrationLink: string | null;
} {
  const link = /https?:\/\/[^\s"'<>]+\/invitation\?[^\s"'<>]+/.exec(body)?.[0] ?? null;
  let code: string | null = null;
  if (link) {
    try {
      code = new URL(link.replace(/&amp;/g, '&')).searchParams.get('inviteCode');
    } catch {
      code = null;
    }
  }
  code ??= /invite code:?\s*([A-Za-z0-9_-]+)/i.exec(body)?.[1] ?? null;
  return { inviteCode: code, registrationLink: link ? link.replace(/&amp;/g, '&') : null };
}

export class Controls {
  readonly faults: FaultInjector;
  readonly clock: Clock;

  constructor(private readonly deps: ControlsDeps) {
    this.faults = deps.faults;
    this.clock = deps.clock;
  }

  private get db(): Kysely<Database> {
    return this.deps.store.db;
  }

  /** Deletes state: everything, or one account or network. Keys survive unless asked. */
  async reset(options: ResetOptions = {}): Promise<{ networks: number }> {
    const { accountId, networkId } = options;
    if (accountId !== undefined && !/^\d{12}$/.test(accountId))
      throw badRequest('accountId must be 12 digits.');
    if (networkId !== undefined && !/^\d{8}$/.test(networkId))
      throw badRequest('networkId must be 8 digits.');
    const whole = accountId === undefined && networkId === undefined;
    const deleted = await this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('networks').select('network_id');
      if (accountId !== undefined) q = q.where('account_id', '=', accountId);
      if (networkId !== undefined) q = q.where('network_id', '=', networkId);
      const ids = (await q.execute()).map((r) => r.network_id);
      // Through the owners, as DeleteNetwork does: children go with their network.
      await deleteNetworks(trx, ids);
      if (whole) {
        await clearOutbox(trx);
        await forgetTokens(trx);
        await forgetAllIds(trx);
        await clearLimitCounters(trx);
        // The audit trail's own retention rule, with no record young enough to stay.
        if (options.audit) await purgeAudit(trx, Number.MAX_SAFE_INTEGER);
      } else if (accountId !== undefined && networkId === undefined) {
        await forgetTokens(trx, accountId);
      }
      if (options.keys && networkId === undefined) {
        await deleteKeys(trx, {
          ...(accountId !== undefined ? { accountId } : {}),
          ...(this.deps.rootAccessKeyId ? { keep: this.deps.rootAccessKeyId } : {}),
        });
      }
      return ids.length;
    });
    if (whole) {
      this.faults.remove();
      this.clock.reset();
    }
    this.deps.forget();
    return { networks: deleted };
  }

  /** Messages queued and sent, newest first, each with its invite code and link parsed out. */
  async mail(filter: MailFilter = {}): Promise<MailMessage[]> {
    const rows = await listOutbox(this.db, {
      ...(filter.networkId ? { networkId: filter.networkId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      limit: filter.limit ?? 1000,
    });
    const wanted = filter.recipient?.toLowerCase();
    return rows
      .filter((r) => wanted === undefined || r.recipient.toLowerCase() === wanted)
      .map(({ nextAttemptAt: _n, lastError: _l, ...r }) => ({ ...r, ...parseInvitation(r.body) }));
  }

  /** Empties the mail list (messages not yet sent will not be). */
  async clearMail(filter: { networkId?: string; recipient?: string } = {}): Promise<number> {
    return clearOutbox(this.db, filter);
  }

  async seed(doc: FixtureDoc, options: { replace?: boolean } = {}): Promise<SeedSummary> {
    const summary = await seed(this.db, this.deps.store.engine, doc, {
      ...this.deps.defaults,
      now: this.clock.now(),
      ...(options.replace ? { replace: true } : {}),
    });
    this.deps.forget();
    return summary;
  }

  /**
   * The start-up seed (`serve --seed`): networks that already exist (by ID, or by name in
   * their account and region when the fixture gives no ID) are left as they are.
   */
  async seedMissing(doc: FixtureDoc): Promise<SeedSummary> {
    const accountId = doc.accountId ?? this.deps.defaults.accountId;
    const region = doc.region ?? this.deps.defaults.region;
    const missing = [];
    for (const n of doc.networks) {
      let q = this.db.selectFrom('networks').select('network_id');
      q = n.networkId
        ? q.where('network_id', '=', n.networkId)
        : q
            .where('account_id', '=', accountId)
            .where('region', '=', region)
            .where('network_name', '=', n.networkName);
      if (!(await q.executeTakeFirst())) missing.push(n);
    }
    if (missing.length === 0) return { networks: [] };
    return this.seed({ ...doc, networks: missing });
  }

  /** The named networks (default: all, or all of one account) in the fixture format. */
  async export(options: { networkIds?: string[]; accountId?: string } = {}): Promise<FixtureDoc> {
    let ids = options.networkIds ?? [];
    if (ids.length === 0) {
      let q = this.db.selectFrom('networks').select('network_id').orderBy('network_id');
      if (options.accountId) q = q.where('account_id', '=', options.accountId);
      ids = (await q.execute()).map((r) => r.network_id);
    }
    if (ids.length === 0) return { networks: [] };
    try {
      return await exportNetworks(this.db, ids);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
  }

  /** Adds a fault rule (checked against this API's operations). */
  addFault(input: FaultRuleInput): FaultRule {
    return this.faults.add(input, this.deps.operations);
  }

  audit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    return listAudit(this.db, filter);
  }
}
