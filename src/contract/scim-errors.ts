/**
 * SCIM 2.0's errors (RFC 7644 section 3.12): a status and a `scimType` saying what was wrong.
 * They are ApiErrors, so the pipeline audits, counts and logs them as any refusal; the SCIM
 * protocol (surfaces/scim/protocol.ts) writes them as `urn:ietf:params:scim:api:messages:2.0:Error`
 * bodies, and states the API's own errors (a ValidationError, a ResourceNotFoundError, ...)
 * the SCIM way.
 */
import { ApiError, type ErrorName } from './errors.js';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 table 9, and what each is used for here. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers';

/** The API's error name each SCIM status is recorded under (audit, logs, metrics). */
const NAME_OF: Record<number, ErrorName> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'ResourceNotFoundError',
  // The Wickr model has no 409; the record says BadRequestError with status 409.
  409: 'BadRequestError',
  412: 'BadRequestError',
  501: 'BadRequestError',
};

export class ScimError extends ApiError {
  constructor(
    status: 400 | 401 | 403 | 404 | 409 | 412 | 501,
    readonly scimType: ScimType | undefined,
    message: string,
  ) {
    super(NAME_OF[status]!, message);
    // A status the model's error names do not carry (409, 412, 501) is SCIM's own.
    (this as { status: number }).status = status;
  }
}

export const invalidValue = (attribute: string, reason: string) =>
  new ScimError(400, 'invalidValue', `${attribute}: ${reason}`);
export const invalidFilter = (message: string) => new ScimError(400, 'invalidFilter', message);
export const invalidSyntax = (message: string) => new ScimError(400, 'invalidSyntax', message);
export const uniqueness = (message: string) => new ScimError(409, 'uniqueness', message);
export const scimNotFound = (message: string) => new ScimError(404, undefined, message);
