/**
 * The audit step: the one builder of audit records, for every operation and entry. A change
 * (an operation that is not readonly) is recorded with its own transaction, a read of a
 * secret (trait `auditReads`) after it succeeds; refusals of
 * authentication and authorization are recorded for every operation, and every refusal of an
 * operation anyone may call (trait `auditRefusals: 'all'`). Input is recorded with what the
 * contract marks sensitive masked; a request refused before its input was validated keeps
 * only the members that are valid on their own (a secret pasted into the wrong field, or an
 * over-long value, is left out).
 */
import type { Kysely } from 'kysely';
import type { OperationSpec } from '../contract/dsl.js';
import { ApiError } from '../contract/errors.js';
import { hasSensitive, maskSensitive } from '../contract/sensitive.js';
import { claimedKey, type AuditEntry, type AuditSource } from '../audit/record.js';
import type { Principal } from '../domain/context.js';
import type { Database } from '../store/schema.js';
import type { PipelineRequest } from './entry.js';

/** Where records go (audit/trail.ts): changes in their transaction, refusals on their own. */
export interface AuditSink {
  record(db: Kysely<Database>, entry: AuditEntry): Promise<void>;
  /** `authenticated`: the request proved who sent it (else its repeats may be folded). */
  refused(entry: AuditEntry, authenticated: boolean): Promise<void>;
}

/** What the pipeline knows of a request when it is recorded. */
export interface Audited {
  req: PipelineRequest;
  sourceIp: string | undefined;
  principal: Principal | undefined;
  input: Record<string, unknown> | undefined;
  /** The input passed validation (else: see `validate`). */
  validated: boolean;
}

export interface AuditStep {
  /** Whether a success is recorded (a change, or a read of a secret). */
  readonly changes: boolean;
  success(db: Kysely<Database>, r: Audited, output?: unknown): Promise<void>;
  refusal(r: Audited, error: ApiError): Promise<void>;
}

/** The key, account and region an output names (a sign-in's session), when it names all three. */
function provedKey(
  output: unknown,
): { accessKeyId: string; accountId: string; region: string } | undefined {
  const o = output as Record<string, unknown> | undefined;
  const [accessKeyId, accountId, region] = [o?.['accessKeyId'], o?.['accountId'], o?.['region']];
  return typeof accessKeyId === 'string' &&
    typeof accountId === 'string' &&
    typeof region === 'string'
    ? { accessKeyId, accountId, region }
    : undefined;
}

export function compileAudit(
  spec: OperationSpec,
  source: AuditSource,
  sink: AuditSink | undefined,
  now: () => number,
  /** The operation's validator, for the members of an input refused before validation. */
  validate: (input: Record<string, unknown>) => void,
): AuditStep {
  const sensitive = hasSensitive(spec.input);
  const mask = (input: Record<string, unknown>) =>
    sensitive ? maskSensitive(spec.input, input) : input;
  const allRefusals = spec.auditRefusals === 'all';
  // A change is recorded with its transaction; a read only when it reads a secret.
  const recordsSuccess = !spec.readonly || spec.auditReads === true;
  const outputSensitive = hasSensitive(spec.output);
  /** The answer's members as recorded (CloudTrail's responseElements), sensitive ones masked. */
  const responseOf = (output: unknown): unknown =>
    output === undefined || output === null
      ? undefined
      : outputSensitive
        ? maskSensitive(spec.output, output)
        : output;

  /** The input as recorded: all of a validated one, the members valid on their own otherwise. */
  const parametersOf = (r: Audited): Record<string, unknown> | undefined => {
    if (!r.input) return undefined;
    if (r.validated) return r.input;
    const input = { ...r.input };
    try {
      validate(input);
      return input;
    } catch (e) {
      const bad = new Set(
        e instanceof ApiError ? (e.reasons ?? []).map((x) => /^[^.[]*/.exec(x.field)![0]) : [],
      );
      if (bad.has('(body)')) return {};
      for (const name of bad) delete input[name];
      return input;
    }
  };

  const entryOf = (r: Audited, error?: ApiError, output?: unknown): AuditEntry => {
    const params = parametersOf(r);
    const networkId = params?.['networkId'] ?? (output as { networkId?: unknown })?.networkId;
    const ua = r.req.headers['user-agent'];
    const claimed = spec.claimsKey ? params?.[spec.claimsKey] : undefined;
    // A claim its success proved (a sign-in) is recorded as the key its output names.
    const who = (!error && spec.claimsKey ? provedKey(output) : undefined) ?? r.principal;
    return {
      at: now(),
      source,
      operation: spec.name,
      outcome: !error ? 'success' : error.status >= 500 ? 'error' : 'refused',
      status: error ? error.status : 200,
      requestId: r.req.requestId,
      ...(who
        ? {
            accessKeyId: who.accessKeyId,
            accountId: who.accountId,
            region: who.region,
            ...('userName' in who && typeof who.userName === 'string'
              ? { userName: who.userName }
              : {}),
          }
        : typeof claimed === 'string'
          ? { accessKeyId: claimed.trim() }
          : claimedKey(r.req.headers.authorization)),
      ...(r.sourceIp ? { sourceIp: r.sourceIp } : {}),
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...(typeof networkId === 'string' ? { networkId } : {}),
      ...(params ? { parameters: mask(params) } : {}),
      ...(error ? { errorName: error.errorName, errorMessage: error.message } : {}),
      ...(!error && output !== undefined ? { response: responseOf(output) } : {}),
    };
  };

  return {
    changes: recordsSuccess && sink !== undefined,
    success: async (db, r, output) => {
      if (recordsSuccess && sink) await sink.record(db, entryOf(r, undefined, output));
    },
    refusal: async (r, error) => {
      if (!sink) return;
      const due =
        error.status === 401 || error.status === 403 || (allRefusals && error.status >= 400);
      if (due) await sink.refused(entryOf(r, error), r.principal !== undefined);
    },
  };
}
