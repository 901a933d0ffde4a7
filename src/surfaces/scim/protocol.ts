/**
 * The SCIM 2.0 protocol (RFC 7644) of the HTTP adapter: the SCIM operations at their contract
 * paths under /scim/v2/networks/{networkId}, authenticated with the network's bearer token
 * (scheme `scim`), bodies read as JSON whatever their type (`application/scim+json` or
 * `application/json`), answered as `application/scim+json` with `Location` and `ETag` where
 * RFC 7644 puts them, and every refusal as a SCIM error body
 * (`urn:ietf:params:scim:api:messages:2.0:Error`: status, scimType, detail). The API's own
 * errors are stated the SCIM way: a ValidationError (a query parameter of the wrong type) is a
 * 400 invalidValue naming the parameter.
 */
import { schemesOf, type OperationSpec } from '../../contract/dsl.js';
import { ApiError } from '../../contract/errors.js';
import {
  SCIM_ERROR_SCHEMA,
  ScimError,
  invalidSyntax,
  invalidValue,
} from '../../contract/scim-errors.js';
import type { Answer, Entry, PipelineRequest } from '../../pipeline/entry.js';
import type { Protocol, Route } from '../../protocol/adapter.js';
import { binderFor } from '../../protocol/binding.js';

export const SCIM_TYPE = 'application/scim+json; charset=utf-8';

/** A SCIM body: any JSON (the domain says what it must be); an empty one is none. */
function scimBody(raw: Buffer | undefined): Record<string, unknown> {
  if (!raw || raw.length === 0) return {};
  try {
    return { body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (e) {
    throw invalidSyntax(`The request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The API's refusals in SCIM's terms (RFC 7644 3.12). */
function translate(error: ApiError): ApiError {
  if (error instanceof ScimError) return error;
  if (error.errorName === 'ValidationError') {
    const r = error.reasons?.[0];
    return r ? invalidValue(r.field, r.reason) : new ScimError(400, 'invalidValue', error.message);
  }
  if (error.errorName === 'BadRequestError' && /JSON/.test(error.message)) {
    return invalidSyntax(error.message);
  }
  return error;
}

export function scimError(error: ApiError): Answer {
  const scimType = error instanceof ScimError ? error.scimType : undefined;
  const headers: Record<string, string> = { 'content-type': SCIM_TYPE };
  for (const [k, v] of Object.entries(error.headers ?? {})) headers[k.toLowerCase()] = v;
  if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="SCIM"';
  return {
    status: error.status,
    headers,
    body: JSON.stringify({
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(error.status),
      ...(scimType ? { scimType } : {}),
      detail: error.message,
    }),
  };
}

function respond(output: unknown): Answer {
  const o = output as { status: number; resource?: Record<string, unknown> };
  if (o.status === 204 || o.resource === undefined) {
    return { status: o.status, headers: {}, body: '' };
  }
  const headers: Record<string, string> = { 'content-type': SCIM_TYPE };
  const meta = o.resource['meta'] as { location?: string; version?: string } | undefined;
  if (meta?.version) headers['etag'] = meta.version;
  if (o.status === 201 && meta?.location) headers['location'] = meta.location;
  return { status: o.status, headers, body: JSON.stringify(o.resource) };
}

export function scimProtocol(specs: readonly OperationSpec[]): Protocol {
  return {
    name: 'scim',
    routes(compile): Route[] {
      return specs
        .filter((s) => s.protocol === 'scim')
        .map((spec) => {
          const entry: Entry = {
            scheme: schemesOf(spec)[0]!,
            source: 'scim',
            bind: binderFor(spec, scimBody),
            respond: (output) => respond(output),
            translate,
            refuse: (error: ApiError, _req: PipelineRequest) => scimError(error),
          };
          const op = compile(spec, entry);
          return { method: spec.method, path: spec.path, pick: () => op, refuse: scimError };
        });
    },
  };
}
