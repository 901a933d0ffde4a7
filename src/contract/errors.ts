/**
 * The API's modelled errors: each error name with its HTTP status (from the model), and the
 * error every layer throws. The protocol layer only serializes them.
 */
export const ERROR_STATUS = {
  ValidationError: 422,
  BadRequestError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  ResourceNotFoundError: 404,
  RateLimitError: 429,
  InternalServerError: 500,
} as const;
export type ErrorName = keyof typeof ERROR_STATUS;

/**
 * CloudTrail's errors (LookupEvents, served in CloudTrail's JSON 1.1 protocol): its modelled
 * errors and the common ones of AWS's JSON protocols it answers with. All 400 but the failure.
 */
export const CLOUDTRAIL_ERROR_STATUS = {
  InvalidLookupAttributesException: 400,
  InvalidTimeRangeException: 400,
  InvalidMaxResultsException: 400,
  InvalidNextTokenException: 400,
  InvalidEventCategoryException: 400,
  ValidationException: 400,
  SerializationException: 400,
  UnknownOperationException: 400,
  UnrecognizedClientException: 400,
  InvalidSignatureException: 400,
  AccessDeniedException: 400,
  ThrottlingException: 400,
  InternalFailure: 500,
} as const;
export type CloudTrailErrorName = keyof typeof CLOUDTRAIL_ERROR_STATUS;

const STATUS: Record<ErrorName | CloudTrailErrorName, number> = {
  ...ERROR_STATUS,
  ...CLOUDTRAIL_ERROR_STATUS,
};

export interface Reason {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** More about the refusal for the request's log line, never for the answer. */
  logDetail?: string;
  constructor(
    readonly errorName: ErrorName | CloudTrailErrorName,
    message: string,
    readonly reasons?: Reason[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = STATUS[errorName];
  }
}

export const validationError = (reasons: Reason[], message?: string) =>
  new ApiError(
    'ValidationError',
    message ??
      `${reasons.length} validation error${reasons.length === 1 ? '' : 's'} detected: ` +
        reasons.map((r) => `${r.field}: ${r.reason}`).join('; '),
    reasons,
  );
export const badRequest = (message: string) => new ApiError('BadRequestError', message);
export const notFound = (message: string) => new ApiError('ResourceNotFoundError', message);
export const unauthorized = (message: string) => new ApiError('UnauthorizedError', message);
export const forbidden = (message: string) => new ApiError('ForbiddenError', message);
