/**
 * The request pipeline, generic over the contract:
 * authenticate → rate-limit → bind + validate → authorize → faults → (transaction,
 * idempotency) → tenancy → handler → audit record → response shape. Refusals (401, 403) are
 * audited too.
 */
import type { Ajv } from 'ajv';
import type { Kysely } from 'kysely';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize } from '../auth/policy.js';
import type { OperationSpec } from '../contract/dsl.js';
import { ApiError, notFound } from '../contract/errors.js';
import type { Ctx, HandlerMap, Principal, Services } from '../domain/context.js';
import { claimedKey, type AuditEntry, type AuditSource } from '../audit/record.js';
import { hasSensitive, maskSensitive } from '../contract/sensitive.js';
import type { Database } from '../store/schema.js';
import type { ChangeProbe } from '../store/change-probe.js';
import {
  prepareNetworkOfAccount,
  prepareNetworkVersionOfAccount,
  type NetworkOfAccount,
  type NetworkVersionOfAccount,
} from '../store/tenancy.js';
import { inTransaction } from '../store/transaction.js';
import { fingerprint, runIdempotent } from './idempotency.js';
import type { RateLimiter } from './rate-limit.js';
import { compileSerializer, responseAjv } from './respond.js';
import { compileValidator, inputAjv } from './validate.js';

/** A request as the protocol layer hands it over: raw, not yet authenticated or bound. */
export interface PipelineRequest {
  method: string;
  url: string;
  requestId: string;
  /** URI labels by wire name. */
  params: Record<string, string>;
  /** The raw query string, without '?'. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
  sourceIp?: string;
}

/** Optional steps the server plugs in. */
export interface PipelineHooks {
  faults?: {
    readonly active: boolean;
    apply(operation: string, accessKeyId: string, networkId: string | undefined): Promise<void>;
  };
  audit?: (db: Kysely<Database>, entry: AuditEntry) => Promise<void>;
}

/**
 * The protocol's binding of one operation: the request's labels, query, headers and body as
 * one input object. Supplied by the protocol layer; run only after authentication, so an
 * unsigned request never learns how its body was parsed.
 */
export type Binder = (req: PipelineRequest) => Record<string, unknown>;

export interface PipelineResult {
  json: string;
  principal: Principal;
}

type AnyHandler = (ctx: Ctx, input: Record<string, unknown>) => Promise<unknown>;

export interface CompiledOperation {
  spec: OperationSpec;
  run(req: PipelineRequest): Promise<PipelineResult>;
  /**
   * The same pipeline after authentication and binding, for a surface that authenticated the
   * principal itself (the console's session) and holds the input as a bound object:
   * rate-limit → validate → authorize → idempotency → handler. `origin` names that surface's
   * request in the audit record.
   */
  runAs(
    principal: Principal,
    input: Record<string, unknown>,
    requestId: string,
    origin?: CallOrigin,
  ): Promise<string>;
}

/** Where a call made through runAs came from, for its audit record. */
export interface CallOrigin {
  source?: AuditSource;
  sourceIp?: string;
  userAgent?: string;
}

export interface PipelineOptions extends PipelineHooks {
  /** Validate every response against its output shape, closed (tests: WICKR_CHECK_RESPONSES). */
  checkResponses?: boolean;
  /** The store's change probe (a SQLite file): lets the lookup's tenancy read skip its query. */
  changes?: ChangeProbe;
}

export class Pipeline {
  private readonly ajv = inputAjv();
  private readonly strictAjv: Ajv | undefined;
  private readonly networkOfAccount: NetworkOfAccount;
  private readonly networkVersionOfAccount: NetworkVersionOfAccount;
  private readonly hooks: PipelineHooks;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly services: Services,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly handlers: HandlerMap,
    options: PipelineOptions = {},
  ) {
    this.strictAjv = options.checkResponses ? responseAjv() : undefined;
    this.networkOfAccount = prepareNetworkOfAccount(db);
    this.networkVersionOfAccount = prepareNetworkVersionOfAccount(db, options.changes);
    this.hooks = options;
  }

  compile(spec: OperationSpec, bind: Binder): CompiledOperation {
    const validate = compileValidator(spec, this.ajv);
    const serialize = compileSerializer(spec, this.strictAjv);
    const handler = this.handlers[spec.name as keyof HandlerMap] as AnyHandler | undefined;
    // The map is total for the contract's operations; a spec from elsewhere is a wiring bug.
    if (!handler) throw new Error(`No handler for operation ${spec.name}`);
    const tokenMember = Object.entries(spec.input.properties).find(
      ([, s]) => (s as Record<string, unknown>)['x-idempotency'],
    )?.[0];
    // No request transaction for a read, nor for an operation that commits its own writes.
    const outsideTransaction = spec.readonly || spec.remote || spec.commitsRefusals;
    // Tenancy: an operation with a networkId label runs on a network of the caller's account
    // and region (the key's network list was checked by authorize).
    const networkScoped =
      (spec.input.properties as Record<string, Record<string, unknown>>)['networkId']?.[
        'x-location'
      ] === 'uri';
    const networkOfAccount =
      spec.tenancy === 'network-version' ? this.networkVersionOfAccount : this.networkOfAccount;
    const services = this.services;

    const audit = this.hooks.audit;
    const audited = audit && !spec.readonly;
    const sensitive = hasSensitive(spec.input);
    const auditEntry = (
      meta: Meta,
      principal: Principal | undefined,
      input: Record<string, unknown> | undefined,
      error?: ApiError,
      output?: unknown,
    ): AuditEntry => {
      const networkId = input?.['networkId'] ?? (output as { networkId?: unknown })?.networkId;
      return {
        at: services.now(),
        source: meta.source ?? 'admin-api',
        operation: spec.name,
        outcome: error
          ? error.status === 401 || error.status === 403
            ? 'refused'
            : 'error'
          : 'success',
        status: error ? error.status : 200,
        requestId: meta.requestId,
        ...(principal
          ? {
              accessKeyId: principal.accessKeyId,
              accountId: principal.accountId,
              region: principal.region,
            }
          : claimedKey(meta.authorization)),
        ...(meta.sourceIp ? { sourceIp: meta.sourceIp } : {}),
        ...(typeof meta.userAgent === 'string' ? { userAgent: meta.userAgent } : {}),
        ...(typeof networkId === 'string' ? { networkId } : {}),
        ...(input ? { parameters: sensitive ? maskSensitive(spec.input, input) : input } : {}),
        ...(error ? { errorName: error.errorName, errorMessage: error.message } : {}),
      };
    };
    const refused = async (
      meta: Meta,
      principal?: Principal,
      input?: Record<string, unknown>,
      e?: unknown,
    ) => {
      if (audit && e instanceof ApiError && (e.status === 401 || e.status === 403))
        await audit(this.db, auditEntry(meta, principal, input, e));
    };

    /**
     * Tenancy, the handler, the audit record and the response's shape, on `db` (a transaction
     * for writes: the change and its audit record commit together, or neither does).
     */
    const execute = async (
      db: Kysely<Database>,
      principal: Principal,
      input: Record<string, unknown>,
      meta: Meta,
      outside = false,
    ): Promise<string> => {
      const ctx: Ctx = { db, principal, requestId: meta.requestId, services, network: undefined };
      // Outside a transaction, the operation's write commits with the audit record
      // (commitWrite).
      let recorded = false;
      if (outside && audited) {
        ctx.record = async (trx) => {
          await audit(trx, auditEntry(meta, principal, input));
          recorded = true;
        };
      }
      if (networkScoped) {
        const networkId = input['networkId'] as string;
        const [network] = await networkOfAccount(
          db,
          networkId,
          principal.accountId,
          principal.region,
        );
        if (!network) throw notFound(`Network ${networkId} was not found.`);
        ctx.network = network;
      }
      const out = await handler(ctx, input);
      if (audited && !recorded) await audit(db, auditEntry(meta, principal, input, undefined, out));
      return serialize(out);
    };

    const afterLimit = async (
      principal: Principal,
      input: Record<string, unknown>,
      meta: Meta,
    ): Promise<string> => {
      try {
        validate(input);
        authorize(principal, spec.name, input['networkId'] as string | undefined);
      } catch (e) {
        await refused(meta, principal, input, e);
        throw e;
      }
      const faults = this.hooks.faults;
      if (faults?.active)
        await faults.apply(
          spec.name,
          principal.accessKeyId,
          input['networkId'] as string | undefined,
        );
      const token = tokenMember ? (input[tokenMember] as string | undefined) : undefined;
      if (token !== undefined) {
        return runIdempotent(
          this.db,
          {
            accountId: principal.accountId,
            token,
            operation: spec.name,
            fingerprint: fingerprint(spec.name, input),
          },
          (trx) => execute(trx, principal, input, meta),
          () => services.now(),
        );
      }
      if (outsideTransaction) return execute(this.db, principal, input, meta, true);
      return inTransaction(this.db, (trx) => execute(trx, principal, input, meta));
    };

    const runAs = (
      principal: Principal,
      input: Record<string, unknown>,
      requestId: string,
      origin: CallOrigin = {},
    ) => {
      this.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
      return afterLimit(principal, input, { requestId, ...origin });
    };

    const run = async (req: PipelineRequest): Promise<PipelineResult> => {
      const ua = req.headers['user-agent'];
      const auth = req.headers['authorization'];
      const meta: Meta = {
        requestId: req.requestId,
        ...(req.sourceIp ? { sourceIp: req.sourceIp } : {}),
        ...(typeof ua === 'string' ? { userAgent: ua } : {}),
        ...(typeof auth === 'string' ? { authorization: auth } : {}),
      };
      let principal: Principal;
      try {
        principal = await this.authenticator.authenticate({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: req.body ?? Buffer.alloc(0),
        });
      } catch (e) {
        await refused(meta, undefined, undefined, e);
        throw e;
      }
      this.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
      const input = bind(req);
      return { json: await afterLimit(principal, input, meta), principal };
    };
    return { spec, run, runAs };
  }
}

interface Meta extends CallOrigin {
  requestId: string;
  authorization?: string;
}
