/**
 * The request pipeline, generic over the contract:
 * authenticate → rate-limit → bind + validate → authorize → idempotency → handler.
 */
import type { Kysely } from 'kysely';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize, type Principal } from '../auth/policy.js';
import type { OperationSpec } from '../contract/dsl.js';
import type { Ctx, HandlerMap, Services } from '../domain/context.js';
import type { Database } from '../store/schema.js';
import type { AuditEntry } from '../audit/record.js';
import { hasSensitive, maskSensitive } from '../audit/mask.js';
import { ApiError } from '../contract/errors.js';
import { inTransaction } from '../store/transaction.js';
import { fingerprint, runIdempotent } from './idempotency.js';
import type { RateLimiter } from './rate-limit.js';
import { compileValidator } from './validate.js';

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

/** Optional steps the server plugs in (none of them on the lookup's hot path unless enabled). */
export interface PipelineHooks {
  /** Test controls' fault rules: may wait, throw a modelled error or drop the connection. */
  faults?: {
    readonly active: boolean;
    apply(operation: string, accessKeyId: string, networkId: string | undefined): Promise<void>;
  };
  /** Writes an audit record with `db` (the change's own transaction, for a change). */
  audit?: (db: Kysely<Database>, entry: AuditEntry) => Promise<void>;
}

/** Operations that change nothing (a POST lookup included): their successes are not audited. */
const READS = /^(Get|List|BatchLookup)/;

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
}

export class Pipeline {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly services: Services,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly handlers: HandlerMap,
    private readonly hooks: PipelineHooks = {},
  ) {}

  compile(spec: OperationSpec, bind: Binder): CompiledOperation {
    const validate = compileValidator(spec);
    const handler = this.handlers[spec.name as keyof HandlerMap] as AnyHandler | undefined;
    // The map is total for the contract's operations; a spec from elsewhere is a wiring bug.
    if (!handler) throw new Error(`No handler for operation ${spec.name}`);
    const tokenMember = Object.entries(spec.input.properties).find(
      ([, s]) => (s as Record<string, unknown>)['x-idempotency'],
    )?.[0];
    const readOnly = spec.method === 'GET' || spec.outsideTransaction === true;

    const audit = this.hooks.audit;
    const audited = audit && spec.method !== 'GET' && !READS.test(spec.name);
    const sensitive = hasSensitive(spec.input);
    const now = this.services.now;
    const auditEntry = (
      req: PipelineRequest,
      principal: Principal | undefined,
      input: Record<string, unknown> | undefined,
      error?: ApiError,
      output?: unknown,
    ): AuditEntry => {
      const ua = req.headers['user-agent'];
      // CreateNetwork names its network only in the answer.
      const networkId = input?.['networkId'] ?? (output as { networkId?: unknown })?.networkId;
      return {
        at: now(),
        source: 'admin-api',
        operation: spec.name,
        outcome: error
          ? error.status === 401 || error.status === 403
            ? 'refused'
            : 'error'
          : 'success',
        status: error ? error.status : 200,
        requestId: req.requestId,
        ...(principal
          ? {
              accessKeyId: principal.accessKeyId,
              accountId: principal.accountId,
              region: principal.region,
            }
          : claimedKey(req.headers['authorization'])),
        ...(req.sourceIp ? { sourceIp: req.sourceIp } : {}),
        ...(typeof ua === 'string' ? { userAgent: ua } : {}),
        ...(typeof networkId === 'string' ? { networkId } : {}),
        ...(input ? { parameters: sensitive ? maskSensitive(spec.input, input) : input } : {}),
        ...(error ? { errorName: error.errorName, errorMessage: error.message } : {}),
      };
    };

    const run = async (req: PipelineRequest): Promise<PipelineResult> => {
      let principal: Principal | undefined;
      let input: Record<string, unknown> | undefined;
      try {
        principal = await this.authenticator.authenticate({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: req.body ?? Buffer.alloc(0),
        });
        this.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
        input = bind(req);
        validate(input);
        authorize(principal, spec.name, input['networkId'] as string | undefined);
      } catch (e) {
        // A refusal is recorded on its own: there is no change for it to join.
        if (audit && e instanceof ApiError && (e.status === 401 || e.status === 403))
          await audit(this.db, auditEntry(req, principal, input, e));
        throw e;
      }
      const caller = principal;
      const args = input;
      const faults = this.hooks.faults;
      if (faults?.active)
        await faults.apply(spec.name, caller.accessKeyId, args['networkId'] as string | undefined);
      const ctxFor = (db: Kysely<Database>): Ctx => ({
        db,
        principal: caller,
        requestId: req.requestId,
        services: this.services,
      });
      // The change and its audit record commit together, or neither does.
      const execute = audited
        ? async (db: Kysely<Database>) => {
            const out = await handler(ctxFor(db), args);
            await audit(db, auditEntry(req, caller, args, undefined, out));
            return out;
          }
        : (db: Kysely<Database>) => handler(ctxFor(db), args);
      const token = tokenMember ? (args[tokenMember] as string | undefined) : undefined;
      let json: string;
      if (token !== undefined) {
        json = await runIdempotent(
          this.db,
          {
            accountId: caller.accountId,
            token,
            operation: spec.name,
            fingerprint: fingerprint(spec.name, args),
          },
          execute,
          this.services.now,
        );
      } else if (readOnly) {
        // Operations outside a transaction that change state (OIDC registration) write once,
        // atomically; their record follows that write.
        json = JSON.stringify(await execute(this.db));
      } else {
        json = JSON.stringify(await inTransaction(this.db, execute));
      }
      return { json, principal: caller };
    };
    return { spec, run };
  }
}

/** The access key a refused request claims to be signed with (its signature is not trusted). */
function claimedKey(authorization: string | string[] | undefined): { accessKeyId?: string } {
  const m =
    typeof authorization === 'string'
      ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization)
      : null;
  return m ? { accessKeyId: m[1]! } : {};
}
