/**
 * What passes between the HTTP adapter (protocol/) and the pipeline: a request as received,
 * the entry a protocol compiles an operation with, and the answer the pipeline gives back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthScheme, OperationSpec } from '../contract/dsl.js';
import type { ApiError } from '../contract/errors.js';
import type { AuditSource } from '../audit/record.js';

/** A request as the adapter hands it over: raw, not yet authenticated or bound. */
export interface PipelineRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  requestId: string;
  /** URI labels by wire name, percent-decoded. */
  params: Record<string, string>;
  /** The raw query string, without '?'. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  /** The socket's peer address (a proxy's, behind one: see source-address.ts). */
  peer: string | undefined;
}

/** An answer to write: status, headers (lower-case names) and body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The protocol's binding of one operation: the request's labels, query, headers and body as
 * one input object. Run only after authentication, so an unsigned request never learns how
 * its body was parsed.
 */
export type Binder = (req: PipelineRequest) => Record<string, unknown>;

/** The output as JSON and the headers its located members bind to (Set-Cookie, ...). */
export interface Written {
  json: string;
  headers: Record<string, string>;
}

/** What a protocol compiles an operation with: how its requests are framed and answered. */
export interface Entry {
  /** The authentication its requests carry (one the operation accepts). */
  scheme: AuthScheme;
  /** Where its requests come from, for the audit trail. */
  source: AuditSource;
  bind: Binder;
  /** A check of the framing before authentication (the console's same-origin rule). */
  admit?: (req: PipelineRequest) => void;
  /**
   * The answer to a success: by default the output's JSON (`written`); a page may be written
   * from the output and the input instead (the output is undefined for a replayed answer).
   */
  respond(
    output: unknown,
    written: () => Written,
    req: PipelineRequest,
    input: Record<string, unknown> | undefined,
  ): Answer;
  /**
   * The refusal as the protocol states it, before it is audited, counted and answered (the
   * invitee endpoints answer invalid input with a BadRequestError); by default as it is.
   */
  translate?: (error: ApiError) => ApiError;
  /** The answer to a refusal or a fault, in the protocol's error format. */
  refuse(error: ApiError, req: PipelineRequest): Answer;
}

/** One operation's pipeline, compiled for one entry. */
export interface CompiledOperation {
  spec: OperationSpec;
  /**
   * Runs a request and answers it, refusals included (never rejects, except to drop the
   * connection for a fault rule: an error with `dropConnection`).
   */
  run(req: PipelineRequest): Promise<Answer>;
}
