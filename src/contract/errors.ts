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

export interface Reason {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** More about the refusal for the request's log line, never for the answer. */
  logDetail?: string;
  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly reasons?: Reason[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[errorName];
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
