/**
 * AWS restJson1, the Wickr API's protocol: an operation's route is its contract path and
 * method, its input bound from labels, query, headers and the JSON body (binding.ts), its
 * answer the output's JSON, and a refusal the modelled error's status with X-Amzn-ErrorType
 * and a JSON body (`message`, and `reasons` for a ValidationError). Requests are signed with
 * SigV4. The console's and the invitee's protocols reuse its binding and error format.
 */
import { schemesOf, type OperationSpec } from '../contract/dsl.js';
import type { ApiError } from '../contract/errors.js';
import type { Answer, Entry, Written } from '../pipeline/entry.js';
import type { Protocol, Route } from './adapter.js';
import { binderFor } from './binding.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A modelled error as the API writes it. */
export function awsError(error: ApiError): Answer {
  const headers: Record<string, string> = {
    'x-amzn-errortype': error.errorName,
    'content-type': JSON_TYPE,
  };
  for (const [k, v] of Object.entries(error.headers ?? {})) headers[k.toLowerCase()] = v;
  return { status: error.status, headers, body: errorBody(error) };
}

export const errorBody = (error: ApiError): string =>
  JSON.stringify(
    error.reasons ? { message: error.message, reasons: error.reasons } : { message: error.message },
  );

/** A success: the output's JSON and the headers its members bind to. */
export function jsonAnswer(written: Written): Answer {
  return {
    status: 200,
    headers: { ...written.headers, 'content-type': JSON_TYPE },
    body: written.json,
  };
}

/** The restJson1 entry of an operation, with the given scheme and audit source. */
export function restJsonEntry(
  spec: OperationSpec,
  scheme: Entry['scheme'],
  source: Entry['source'],
): Entry {
  return {
    scheme,
    source,
    bind: binderFor(spec),
    respond: (_output, written) => jsonAnswer(written()),
    refuse: awsError,
  };
}

/** The Wickr API's operations, and the server's own signed ones (the audit read). */
export function restJson1(specs: readonly OperationSpec[]): Protocol {
  return {
    name: 'restJson1',
    routes(compile): Route[] {
      return specs
        .filter((s) => s.protocol === undefined && schemesOf(s).includes('sigv4'))
        .map((spec) => {
          const op = compile(spec, restJsonEntry(spec, 'sigv4', 'admin-api'));
          return {
            method: spec.method,
            path: spec.path,
            pick: () => op,
            refuse: awsError,
          };
        });
    },
  };
}
