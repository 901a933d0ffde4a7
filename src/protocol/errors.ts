/** Modelled API errors. Domain code throws these; the protocol layer serializes them. */
import { ERROR_STATUS, type ErrorName } from '../contract/dsl.js';

export interface Reason {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly reasons?: Reason[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[errorName];
  }

  toBody(): Record<string, unknown> {
    return this.reasons
      ? { message: this.message, reasons: this.reasons }
      : { message: this.message };
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
