/**
 * The request pipeline, generic over the contract:
 * authenticate → rate-limit → bind + validate → authorize → (transaction, idempotency) →
 * tenancy → handler → response shape.
 */
import type { Ajv } from 'ajv';
import type { Kysely } from 'kysely';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize } from '../auth/policy.js';
import type { OperationSpec } from '../contract/dsl.js';
import { notFound } from '../contract/errors.js';
import type { Ctx, HandlerMap, Principal, Services } from '../domain/context.js';
import type { Database } from '../store/schema.js';
import { prepareNetworkOfAccount, type NetworkOfAccount } from '../store/tenancy.js';
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
}

export interface PipelineOptions {
  /** Validate every response against its output shape, closed (tests: WICKR_CHECK_RESPONSES). */
  checkResponses?: boolean;
}

export class Pipeline {
  private readonly ajv = inputAjv();
  private readonly strictAjv: Ajv | undefined;
  private readonly networkOfAccount: NetworkOfAccount;

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
    const readOnly = spec.method === 'GET' || spec.outsideTransaction === true;
    // Tenancy: an operation with a networkId label runs on a network of the caller's account
    // and region (the key's network list was checked by authorize).
    const networkScoped =
      (spec.input.properties as Record<string, Record<string, unknown>>)['networkId']?.[
        'x-location'
      ] === 'uri';
    const networkOfAccount = this.networkOfAccount;
    const services = this.services;

    /** Tenancy, the handler and the response's shape, on `db` (a transaction for writes). */
    const execute = async (
      db: Kysely<Database>,
      principal: Principal,
      requestId: string,
      input: Record<string, unknown>,
    ): Promise<string> => {
      const ctx: Ctx = { db, principal, requestId, services, network: undefined };
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
      return serialize(await handler(ctx, input));
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
      validate(input);
      authorize(principal, spec.name, input['networkId'] as string | undefined);
      const token = tokenMember ? (input[tokenMember] as string | undefined) : undefined;
      let json: string;
      if (token !== undefined) {
        json = await runIdempotent(
          this.db,
          {
            accountId: principal.accountId,
            token,
            operation: spec.name,
            fingerprint: fingerprint(spec.name, input),
          },
          (trx) => execute(trx, principal, req.requestId, input),
          () => services.now(),
        );
      } else if (readOnly) {
        json = await execute(this.db, principal, req.requestId, input);
      } else {
        json = await inTransaction(this.db, (trx) => execute(trx, principal, req.requestId, input));
      }
      return { json, principal };
    };
    return { spec, run };
  }
}
