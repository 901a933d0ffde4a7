/**
 * The request pipeline, one compiled per operation and entry (a protocol's framing of it), its
 * steps chosen from the operation's traits (contract/dsl.ts), never from its name:
 *
 *   source address → admit (the protocol's framing rule) → authenticate (the entry's scheme)
 *   → bind → rate limits (key, address) → validate → rate limits (input members) → authorize
 *   → faults → transaction or idempotency record → tenancy → handler → serialize
 *   → audit record → metric → log line
 *
 * Every request ends with one answer (a refusal in the protocol's own format), one metric
 * sample and one log line; refusals are audited as the operation's traits say.
 */
import type { Ajv } from 'ajv';
import type { Kysely } from 'kysely';
import { schemesOf, type AuthScheme, type OperationSpec } from '../contract/dsl.js';
import { ApiError, notFound } from '../contract/errors.js';
import { authorize } from '../auth/policy.js';
import type { Ctx, Principal, Services } from '../domain/context.js';
import type { ChangeProbe } from '../store/change-probe.js';
import type { Database } from '../store/schema.js';
import { prepareNetworkOfAccount, prepareNetworkVersionOfAccount } from '../store/tenancy.js';
import { inTransaction } from '../store/transaction.js';
import { compileAudit, type Audited, type AuditSink } from './audit-step.js';
import type { Answer, CompiledOperation, Entry, PipelineRequest, Written } from './entry.js';
import { fingerprint, runIdempotent } from './idempotency.js';
import { compileLimits, limitsOf, type Limiters } from './limits.js';
import { compileObserve, type OperationObserver } from './observe.js';
import { compileWriter, responseAjv } from './respond.js';
import { sourceAddress, type TrustedProxies } from './source-address.js';
import { compileValidator, inputAjv } from './validate.js';

export type { CompiledOperation, Entry, PipelineRequest } from './entry.js';

/** An authentication scheme: the principal a request proves, or UnauthorizedError. */
export type Authenticate = (req: PipelineRequest) => Promise<Principal>;

export interface PipelineOptions {
  /** The schemes the entries speak ('none' needs none). */
  authenticators: Partial<Record<AuthScheme, Authenticate>>;
  limiters: Limiters;
  /** The metrics of each operation. */
  observer?: (operation: string) => OperationObserver | undefined;
  audit?: AuditSink;
  faults?: {
    readonly active: boolean;
    apply(operation: string, accessKeyId: string, networkId: string | undefined): Promise<void>;
  };
  /** WICKR_TRUSTED_PROXIES: whose X-Forwarded-For is believed. */
  trustedProxies?: TrustedProxies;
  /** Validate every response against its output shape, closed (tests: WICKR_CHECK_RESPONSES). */
  checkResponses?: boolean;
  /** The store's change probe (a SQLite file): lets the lookup's tenancy read skip its query. */
  changes?: ChangeProbe;
}

type AnyHandler = (ctx: Ctx, input: Record<string, unknown>) => Promise<unknown>;

/** What one run knows so far (the audit record and the log line read it). */
interface Run extends Audited {
  output: unknown;
}

export class Pipeline {
  private readonly ajv = inputAjv();
  private readonly strictAjv: Ajv | undefined;
  private readonly networkOfAccount;
  private readonly networkVersionOfAccount;
  private readonly compiled = new Map<
    OperationSpec,
    { validate: (input: Record<string, unknown>) => void; write: (output: unknown) => Written }
  >();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly services: Services,
    private readonly handlers: Readonly<Record<string, unknown>>,
    private readonly options: PipelineOptions,
  ) {
    this.strictAjv = options.checkResponses ? responseAjv() : undefined;
    this.networkOfAccount = prepareNetworkOfAccount(db);
    this.networkVersionOfAccount = prepareNetworkVersionOfAccount(db, options.changes);
  }

  /** The validator and writer of an operation's shapes, compiled once for all its entries. */
  private shapes(spec: OperationSpec) {
    let s = this.compiled.get(spec);
    if (!s) {
      s = {
        validate: compileValidator(spec, this.ajv),
        write: compileWriter(spec, this.strictAjv),
      };
      this.compiled.set(spec, s);
    }
    return s;
  }

  compile(spec: OperationSpec, entry: Entry): CompiledOperation {
    const handler = this.handlers[spec.name] as AnyHandler | undefined;
    // The map is total over every operation; a spec from elsewhere is a wiring bug.
    if (!handler) throw new Error(`No handler for operation ${spec.name}`);
    if (!schemesOf(spec).includes(entry.scheme)) {
      throw new Error(`${spec.name} does not accept the authentication ${entry.scheme}`);
    }
    const authenticate =
      entry.scheme === 'none' ? undefined : this.options.authenticators[entry.scheme];
    if (entry.scheme !== 'none' && !authenticate) {
      throw new Error(`No authenticator for the scheme ${entry.scheme}`);
    }
    const { db, services, options } = this;
    const { validate, write } = this.shapes(spec);
    const limits = compileLimits(limitsOf(spec), options.limiters);
    const audit = compileAudit(spec, entry.source, options.audit, () => services.now(), validate);
    const observe = compileObserve(spec, services.log, options.observer?.(spec.name));
    const action = spec.action ?? spec.name;
    const tokenMember = Object.entries(spec.input.properties).find(
      ([, s]) => (s as Record<string, unknown>)['x-idempotency'],
    )?.[0];
    // No request transaction for a read, nor for an operation that commits its own writes.
    const outsideTransaction = spec.readonly || spec.remote || spec.ownTransaction;
    // Tenancy: an operation with a networkId label, called by a principal, runs on a network
    // of the caller's account and region (the key's network list was checked by authorize).
    const networkLabel =
      (spec.input.properties as Record<string, Record<string, unknown>>)['networkId']?.[
        'x-location'
      ] === 'uri';
    const networkOf =
      !networkLabel || entry.scheme === 'none'
        ? undefined
        : spec.tenancy === 'network-version'
          ? this.networkVersionOfAccount
          : this.networkOfAccount;
    const proxies = options.trustedProxies;

    /**
     * Tenancy, the handler, the success's audit record and the output written, on `on` (a
     * transaction for writes: the change and its record commit together, or neither does).
     */
    const execute = async (on: Kysely<Database>, run: Run, outside: boolean): Promise<Written> => {
      const input = run.input!;
      const ctx: Ctx = {
        db: on,
        principal: run.principal!,
        requestId: run.req.requestId,
        services,
        network: undefined,
        ...(run.sourceIp ? { sourceIp: run.sourceIp } : {}),
      };
      // Outside a transaction, the operation's own write commits with its record (commitWrite).
      let recorded = false;
      if (outside && audit.changes) {
        ctx.record = async (trx) => {
          await audit.success(trx, run);
          recorded = true;
        };
      }
      if (networkOf) {
        const networkId = input['networkId'] as string;
        const p = run.principal!;
        const [network] = await networkOf(on, networkId, p.accountId, p.region);
        if (!network) throw notFound(`Network ${networkId} was not found.`);
        ctx.network = network;
      }
      const output = await handler(ctx, input);
      if (audit.changes && !recorded) await audit.success(on, run, output);
      run.output = output;
      return write(output);
    };

    const steps = async (run: Run): Promise<Written> => {
      const req = run.req;
      entry.admit?.(req);
      if (authenticate) run.principal = await authenticate(req);
      const input = entry.bind(req);
      run.input = input;
      const counted = limits.before(run.principal, run.sourceIp);
      if (counted) await counted;
      validate(input);
      run.validated = true;
      const countedAfter = limits.after(input);
      if (countedAfter) await countedAfter;
      const p = run.principal;
      const networkId = input['networkId'] as string | undefined;
      if (p && action !== false) authorize(p, action, networkId);
      const faults = options.faults;
      if (faults?.active) await faults.apply(spec.name, p?.accessKeyId ?? '', networkId);
      const token = tokenMember && p ? (input[tokenMember] as string | undefined) : undefined;
      if (token !== undefined) {
        const json = await runIdempotent(
          db,
          {
            accountId: p!.accountId,
            token,
            operation: spec.name,
            fingerprint: fingerprint(spec.name, input),
          },
          async (trx) => (await execute(trx, run, false)).json,
          () => services.now(),
        );
        return { json, headers: {} };
      }
      if (outsideTransaction) return execute(db, run, true);
      return inTransaction(db, (trx) => execute(trx, run, false));
    };

    const run = async (req: PipelineRequest): Promise<Answer> => {
      const started = performance.now();
      const r: Run = {
        req,
        sourceIp: sourceAddress(req.peer, req.headers['x-forwarded-for'], proxies),
        principal: undefined,
        input: undefined,
        validated: false,
        output: undefined,
      };
      let answer: Answer;
      let error: ApiError | undefined;
      try {
        const written = await steps(r);
        answer = entry.respond(r.output, () => written, req, r.input);
      } catch (e) {
        // A fault rule's dropped connection: no answer at all.
        if ((e as { dropConnection?: boolean }).dropConnection) throw e;
        error = asApiError(e, services.log, req.requestId);
        if (entry.translate) error = entry.translate(error);
        try {
          await audit.refusal(r, error);
        } catch (err) {
          // The refusal stands; its record is lost, and said so.
          services.log.error({ reqId: req.requestId, err }, 'audit record of a refusal failed');
        }
        answer = entry.refuse(error, req);
      }
      observe({
        requestId: req.requestId,
        status: answer.status,
        error,
        principal: r.principal,
        input: r.input,
        sourceIp: r.sourceIp,
        started,
      });
      return answer;
    };
    return { spec, run };
  }
}

/** What an error thrown while answering becomes on the wire (logged when it is ours). */
export function asApiError(
  error: unknown,
  log: { error(obj: object, msg: string): void },
  requestId: string,
): ApiError {
  if (error instanceof ApiError) return error;
  log.error({ reqId: requestId, err: error }, 'internal error');
  return new ApiError('InternalServerError', `An internal error occurred (request ${requestId}).`);
}
