/**
 * CloudTrail's protocol, AWS JSON 1.1: one route, `POST /`, the operation named in
 * `X-Amz-Target` (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`), the
 * whole input as the JSON body, requests signed with SigV4 for the `cloudtrail` service, the
 * answer the output's JSON as `application/x-amz-json-1.1`, and a refusal
 * `{"__type": <error>, "message": ...}` with CloudTrail's error names: invalid input becomes
 * the modelled error of the member at fault (InvalidMaxResultsException, ...), and the
 * pipeline's refusals AWS's common errors of the JSON protocols (AccessDeniedException, ...).
 */
import { schemesOf, type OperationSpec } from '../../contract/dsl.js';
import { ApiError, type CloudTrailErrorName } from '../../contract/errors.js';
import type { Answer, CompiledOperation, Entry } from '../../pipeline/entry.js';
import type { Protocol, Route } from '../../protocol/adapter.js';
import { parseBody } from '../../protocol/binding.js';

export const TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
export const JSON_11 = 'application/x-amz-json-1.1';

/** The modelled error of each input member, for a value that is not valid. */
const MEMBER_ERRORS: Readonly<Record<string, CloudTrailErrorName>> = {
  LookupAttributes: 'InvalidLookupAttributesException',
  StartTime: 'InvalidTimeRangeException',
  EndTime: 'InvalidTimeRangeException',
  MaxResults: 'InvalidMaxResultsException',
  NextToken: 'InvalidNextTokenException',
  EventCategory: 'InvalidEventCategoryException',
};

/** A refusal as CloudTrail names it. */
export function cloudTrailError(error: ApiError): ApiError {
  const rename = (name: CloudTrailErrorName) => new ApiError(name, error.message);
  switch (error.errorName) {
    case 'ValidationError': {
      const first = error.reasons?.[0]?.field ?? '';
      const member = /^[^.[]*/.exec(first)![0];
      return rename(MEMBER_ERRORS[member] ?? 'ValidationException');
    }
    case 'BadRequestError':
      return rename(/JSON/.test(error.message) ? 'SerializationException' : 'ValidationException');
    case 'UnauthorizedError':
      return rename(
        /does not exist|revoked/.test(error.message)
          ? 'UnrecognizedClientException'
          : 'InvalidSignatureException',
      );
    case 'ForbiddenError':
      return rename('AccessDeniedException');
    case 'RateLimitError':
      return rename('ThrottlingException');
    case 'InternalServerError':
      return new ApiError('InternalFailure', error.message, undefined, error.headers);
    case 'ResourceNotFoundError':
      return rename('UnknownOperationException');
    default:
      return error;
  }
}

export function json11Error(e: ApiError): Answer {
  const headers: Record<string, string> = {
    'content-type': JSON_11,
    'x-amzn-errortype': e.errorName,
  };
  for (const [k, v] of Object.entries(e.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    status: e.status,
    headers,
    body: JSON.stringify({ __type: e.errorName, message: e.message }),
  };
}

/** Refusals made before an operation runs are stated as CloudTrail states them too. */
const refuse = (error: ApiError): Answer => json11Error(cloudTrailError(error));

export function cloudTrailProtocol(specs: readonly OperationSpec[]): Protocol {
  return {
    name: 'cloudtrail',
    routes(compile): Route[] {
      const byTarget = new Map<string, CompiledOperation>();
      for (const spec of specs) {
        if (spec.protocol !== 'cloudtrail') continue;
        const entry: Entry = {
          scheme: schemesOf(spec)[0]!,
          source: 'admin-api',
          bind: (req) => parseBody(req.body),
          respond: (_output, written) => {
            const w = written();
            return {
              status: 200,
              headers: { ...w.headers, 'content-type': JSON_11 },
              body: w.json,
            };
          },
          translate: cloudTrailError,
          refuse: json11Error,
        };
        byTarget.set(`${TARGET_PREFIX}${spec.name}`, compile(spec, entry));
      }
      if (byTarget.size === 0) return [];
      return [
        {
          method: 'POST',
          path: '/',
          pick: (req) => {
            const target = req.headers['x-amz-target'];
            const op = typeof target === 'string' ? byTarget.get(target) : undefined;
            return (
              op ??
              new ApiError(
                'UnknownOperationException',
                `The operation ${typeof target === 'string' ? target : '(no X-Amz-Target)'} is not served here.`,
              )
            );
          },
          refuse,
        },
      ];
    },
  };
}
