/**
 * Fault injection: rules that make matching Admin API calls fail the way AWS sometimes does.
 * Checked by the pipeline after authentication, binding and authorization and before the
 * handler, so a faulted call changes nothing.
 */
import { ERROR_STATUS, type ErrorName } from '../../contract/errors.js';
import { seededRandom } from '../../random.js';
import { ApiError, badRequest } from '../../contract/errors.js';

export interface FaultRuleInput {
  /** An operation name, or "*" (the default) for every operation. */
  operation?: string;
  networkId?: string;
  accessKeyId?: string;
  /** A modelled error to answer with. */
  error?: ErrorName;
  message?: string;
  /** Retry-After in seconds (RateLimitError; default 1). */
  retryAfterSeconds?: number;
  /** Added before the call runs (alone: the call then succeeds, only slower). */
  latencyMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Fire for the next N matching calls only (default: every matching call). */
  times?: number;
  /** Fire with this probability (0..1) per matching call. */
  probability?: number;
  /** Seed of the rule's random draws, for repeatable runs. */
  seed?: number;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  operation: string;
  /** How many calls the rule faulted. */
  fired: number;
  /** Calls left for a `times` rule. */
  remaining?: number;
}

/** Thrown to make the HTTP layer close the connection without answering. */
export class DroppedConnection extends Error {
  /** What the HTTP layer looks for. */
  readonly dropConnection = true;
  constructor() {
    super('connection dropped by a fault rule');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MAX_LATENCY_MS = 60_000;

export class FaultInjector {
  private rules: { rule: FaultRule; random: () => number }[] = [];
  private nextId = 1;
  /** Read on every call: a server without rules pays one property read. */
  active = false;

  add(input: FaultRuleInput, operations: ReadonlySet<string>): FaultRule {
    const operation = input.operation ?? '*';
    if (operation !== '*' && !operations.has(operation))
      throw badRequest(`operation "${operation}" is not an operation of this API (or "*").`);
    if (input.error !== undefined && !(input.error in ERROR_STATUS))
      throw badRequest(`error must be one of ${Object.keys(ERROR_STATUS).join(', ')}.`);
    if (input.error === undefined && !input.drop && !input.latencyMs)
      throw badRequest('A fault rule needs error, drop or latencyMs.');
    if (input.error !== undefined && input.drop)
      throw badRequest('A fault rule answers with an error or drops the connection, not both.');
    const count = (v: unknown, name: string, max: number) => {
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max))
        throw badRequest(`${name} must be an integer from 0 to ${max}.`);
    };
    count(input.times, 'times', 1_000_000);
    count(input.latencyMs, 'latencyMs', MAX_LATENCY_MS);
    count(input.retryAfterSeconds, 'retryAfterSeconds', 3600);
    count(input.seed, 'seed', 2 ** 32 - 1);
    const p = input.probability;
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1)))
      throw badRequest('probability must be a number from 0 to 1.');
    for (const k of ['networkId', 'accessKeyId', 'message'] as const) {
      if (input[k] !== undefined && typeof input[k] !== 'string')
        throw badRequest(`${k} must be a string.`);
    }
    const rule: FaultRule = {
      id: String(this.nextId++),
      operation,
      ...(input.networkId !== undefined ? { networkId: input.networkId } : {}),
      ...(input.accessKeyId !== undefined ? { accessKeyId: input.accessKeyId } : {}),
      ...(input.error !== undefined ? { error: input.error } : {}),
      ...(input.message !== undefined ? { message: input.message } : {}),
      ...(input.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: input.retryAfterSeconds }
        : {}),
      ...(input.latencyMs ? { latencyMs: input.latencyMs } : {}),
      ...(input.drop ? { drop: true } : {}),
      ...(input.times !== undefined ? { times: input.times, remaining: input.times } : {}),
      ...(p !== undefined ? { probability: p } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      fired: 0,
    };
    this.rules.push({
      rule,
      random: input.seed !== undefined ? seededRandom(input.seed) : Math.random,
    });
    this.active = true;
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  /** Removes one rule (true when it existed) or, without an ID, every rule. */
  remove(id?: string): boolean {
    const before = this.rules.length;
    this.rules = id === undefined ? [] : this.rules.filter((r) => r.rule.id !== id);
    this.active = this.rules.length > 0;
    return this.rules.length < before;
  }

  /**
   * Applies the first matching rule that fires: waits, then throws its error (or
   * DroppedConnection). A latency-only rule lets the call go on.
   */
  async apply(operation: string, accessKeyId: string, networkId: string | undefined) {
    for (const r of this.rules) {
      const rule = r.rule;
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.networkId !== undefined && rule.networkId !== networkId) continue;
      if (rule.accessKeyId !== undefined && rule.accessKeyId !== accessKeyId) continue;
      if (rule.remaining === 0) continue;
      if (rule.probability !== undefined && r.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      rule.fired++;
      if (rule.latencyMs) await sleep(rule.latencyMs);
      if (rule.drop) throw new DroppedConnection();
      if (rule.error) throw faultError(rule);
      return;
    }
  }
}

function faultError(rule: FaultRule): ApiError {
  const name = rule.error!;
  const message =
    rule.message ??
    (name === 'RateLimitError'
      ? 'Rate exceeded (injected by a fault rule).'
      : `${name} injected by a fault rule.`);
  const headers =
    name === 'RateLimitError' ? { 'Retry-After': String(rule.retryAfterSeconds ?? 1) } : undefined;
  return new ApiError(name, message, undefined, headers);
}
