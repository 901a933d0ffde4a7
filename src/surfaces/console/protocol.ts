/**
 * The console's protocol: its JSON API under /console/api/. Any operation that accepts the
 * console's session (every Admin API operation, the audit read, the outbox read) is called by
 * name, `POST /console/api/operations/{name}` with the whole input as a JSON body (as AWS's
 * JSON 1.1 names the operation in X-Amz-Target); the console's own operations (sign-in, the
 * session, the outbox read) are served at their contract paths. Errors are the API's. Requests
 * from another site's page are refused before anything else (same-origin rule).
 */
import { schemesOf, type OperationSpec } from '../../contract/dsl.js';
import { forbidden, notFound } from '../../contract/errors.js';
import type { CompiledOperation, Entry, PipelineRequest } from '../../pipeline/entry.js';
import type { Protocol, Route } from '../../protocol/adapter.js';
import { parseBody } from '../../protocol/binding.js';
import { awsError, jsonAnswer, restJsonEntry } from '../../protocol/rest-json.js';

export const OPERATIONS_PATH = '/console/api/operations/{name}';

/** Requests from another site's page never reach the API, even with a token they guessed. */
function sameOrigin(req: PipelineRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin === 'null') throw forbidden('Requests from an opaque origin are not accepted.');
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== req.headers.host) throw forbidden(`Requests from ${origin} are not accepted.`);
}

export function consoleProtocol(specs: readonly OperationSpec[]): Protocol {
  return {
    name: 'console',
    routes(compile): Route[] {
      const byName = new Map<string, CompiledOperation>();
      for (const spec of specs) {
        if (!schemesOf(spec).includes('console')) continue;
        const entry: Entry = {
          scheme: 'console',
          source: 'console',
          // The whole input is the body; no member travels in the path, query or headers.
          bind: (req) => parseBody(req.body),
          admit: sameOrigin,
          respond: (_output, written) => jsonAnswer(written()),
          refuse: awsError,
        };
        byName.set(spec.name, compile(spec, entry));
      }
      const routes: Route[] = [
        {
          method: 'POST',
          path: OPERATIONS_PATH,
          pick: (req) =>
            byName.get(req.params['name'] ?? '') ??
            notFound(`There is no operation named ${req.params['name'] ?? ''}.`),
          refuse: awsError,
        },
      ];
      for (const spec of specs) {
        if (spec.protocol !== 'console') continue;
        const op = compile(spec, {
          ...restJsonEntry(spec, schemesOf(spec)[0]!, 'console'),
          admit: sameOrigin,
        });
        routes.push({ method: spec.method, path: spec.path, pick: () => op, refuse: awsError });
      }
      return routes;
    },
  };
}
