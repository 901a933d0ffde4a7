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
   * rate-limit → validate → authorize → idempotency → handler.
   */
  runAs(principal: Principal, input: Record<string, unknown>, requestId: string): Promise<string>;
}

export class Pipeline {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly services: Services,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly handlers: HandlerMap,
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

    const afterLimit = async (
      principal: Principal,
      input: Record<string, unknown>,
      requestId: string,
    ): Promise<string> => {
      validate(input);
      authorize(principal, spec.name, input['networkId'] as string | undefined);
      const ctxFor = (db: Kysely<Database>): Ctx => ({
        db,
        principal,
        requestId,
        services: this.services,
      });
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
          (trx) => handler(ctxFor(trx), input),
          this.services.now,
        );
      }
      if (readOnly) return JSON.stringify(await handler(ctxFor(this.db), input));
      return JSON.stringify(await inTransaction(this.db, (trx) => handler(ctxFor(trx), input)));
    };

    const runAs = (principal: Principal, input: Record<string, unknown>, requestId: string) => {
      this.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
      return afterLimit(principal, input, requestId);
    };

    const run = async (req: PipelineRequest): Promise<PipelineResult> => {
      const principal = await this.authenticator.authenticate({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: req.body ?? Buffer.alloc(0),
      });
      this.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
      const input = bind(req);
      return { json: await afterLimit(principal, input, req.requestId), principal };
    };
    return { spec, run, runAs };
  }
}
