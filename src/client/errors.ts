/** What the client reports when a call fails. */

export interface ApiReason {
  field: string;
  reason: string;
}

/** A modelled error answered by the server (X-Amzn-ErrorType), or an unreadable response. */
export class AdminApiError extends Error {
  constructor(
    readonly errorType: string,
    readonly serverMessage: string,
    readonly status: number,
    readonly reasons: ApiReason[] | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`${errorType}: ${serverMessage}`);
  }
}

/** The server could not be reached at all (refused, reset, DNS). */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function requestIdOf(res: Response): string | undefined {
  return res.headers.get('x-amzn-requestid') ?? undefined;
}

/** The modelled error of a non-2xx response (restJson1: X-Amzn-ErrorType and a JSON body). */
export function toApiError(res: Response, text: string): AdminApiError {
  let body: { message?: unknown; Message?: unknown; reasons?: unknown; __type?: unknown } = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed;
  } catch {
    // Not JSON (a proxy's error page): the status and text still say something.
  }
  // The header may carry a namespace or a URI suffix: "ns#Name:http://...".
  const header =
    res.headers.get('x-amzn-errortype') ?? (typeof body.__type === 'string' ? body.__type : '');
  const errorType = header.split(':')[0]!.split('#').pop() || `HTTP${res.status}`;
  const message =
    typeof body.message === 'string'
      ? body.message
      : typeof body.Message === 'string'
        ? body.Message
        : text.slice(0, 200) || res.statusText;
  const reasons = Array.isArray(body.reasons)
    ? body.reasons
        .filter((r): r is { field?: unknown; reason?: unknown } => !!r && typeof r === 'object')
        .map((r) => ({
          field: typeof r.field === 'string' ? r.field : '',
          reason: typeof r.reason === 'string' ? r.reason : '',
        }))
    : undefined;
  return new AdminApiError(errorType, message, res.status, reasons, requestIdOf(res));
}
