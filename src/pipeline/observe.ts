/**
 * The last steps of every request: its metric sample and its log line (one each), with the
 * client's address, whatever the entry and however the request ended. At `debug` the line
 * also carries the request's input, with what the contract marks sensitive redacted.
 */
import type { Logger } from 'pino';
import type { OperationSpec } from '../contract/dsl.js';
import type { ApiError } from '../contract/errors.js';
import { sensitivePaths } from '../contract/sensitive.js';
import type { Principal } from '../domain/context.js';

/** Told of each request's outcome and duration (metrics); one per operation. */
export interface OperationObserver {
  ok(seconds: number): void;
  failed(status: number, errorName: string, seconds: number): void;
}

export interface Observed {
  requestId: string;
  status: number;
  error: ApiError | undefined;
  principal: Principal | undefined;
  input: Record<string, unknown> | undefined;
  sourceIp: string | undefined;
  /** performance.now() when the request reached the pipeline. */
  started: number;
}

export function compileObserve(
  spec: OperationSpec,
  log: Logger,
  observer: OperationObserver | undefined,
): (o: Observed) => void {
  // The operation's name is written once, in the child's bindings, not on every line.
  const lines = log.child({ op: spec.name });
  // At debug the line also carries the input, its sensitive members redacted (made when
  // first needed: compiling the redaction of every operation would slow the start).
  let withInput: Logger | undefined;
  const inputLines = () =>
    (withInput ??= log.child(
      { op: spec.name },
      { redact: sensitivePaths([spec]).map((p) => `input.${p}`) },
    ));
  return (o) => {
    const seconds = (performance.now() - o.started) / 1000;
    if (observer) {
      if (o.error) observer.failed(o.status, o.error.errorName, seconds);
      else observer.ok(seconds);
    }
    if (!lines.isLevelEnabled('info')) return;
    // Built member by member, absent ones left out (one object, no spreads: every request
    // pays for it).
    const line: Record<string, unknown> = { reqId: o.requestId, status: o.status };
    if (o.error) {
      line['error'] = o.error.errorName;
      if (o.error.logDetail) line['detail'] = o.error.logDetail;
    }
    if (o.principal) line['accessKeyId'] = o.principal.accessKeyId;
    const networkId = o.input?.['networkId'];
    if (typeof networkId === 'string') line['networkId'] = networkId;
    if (o.sourceIp) line['ip'] = o.sourceIp;
    line['ms'] = Math.round(seconds * 1000);
    if (lines.isLevelEnabled('debug')) {
      if (o.input) line['input'] = o.input;
      inputLines().info(line, 'request');
    } else lines.info(line, 'request');
  };
}
