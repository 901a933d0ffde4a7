/**
 * The route table of the HTTP adapter, compiled from the contract's paths: a trie of path
 * segments per method, literal segments before labels (`/users/count` before
 * `/users/{userId}`), one trailing slash ignored. Label values are percent-decoded once the
 * route is found; a label that is over-long or badly escaped is a refusal of that route, so
 * that validation, not the router, answers for any other malformed value.
 */
import { badRequest, type ApiError } from '../contract/errors.js';

/** The longest label value accepted (a longer one is refused before any operation runs). */
export const MAX_LABEL_LENGTH = 2048;

interface Node<T> {
  literal: Map<string, Node<T>>;
  label?: { name: string; node: Node<T> };
  value?: T;
}

export type Match<T> =
  { value: T; params: Record<string, string> } | { value: T; error: ApiError } | undefined;

const node = <T>(): Node<T> => ({ literal: new Map() });

export class Router<T> {
  private readonly methods = new Map<string, Node<T>>();

  /** Adds `method template` (`/networks/{networkId}/users`); a route added twice is an error. */
  add(method: string, template: string, value: T): void {
    let at = this.methods.get(method);
    if (!at) this.methods.set(method, (at = node()));
    for (const seg of segments(template)) {
      const label = /^\{(\w+)\}$/.exec(seg);
      if (label) {
        if (at.label && at.label.name !== label[1]) {
          throw new Error(`${method} ${template}: label {${label[1]}} where {${at.label.name}} is`);
        }
        at.label ??= { name: label[1]!, node: node() };
        at = at.label.node;
      } else {
        if (seg.includes('{')) throw new Error(`${method} ${template}: unsupported segment ${seg}`);
        let next = at.literal.get(seg);
        if (!next) at.literal.set(seg, (next = node()));
        at = next;
      }
    }
    if (at.value !== undefined) throw new Error(`${method} ${template} is routed twice`);
    at.value = value;
  }

  /** The route of a request's method and path (no query), with its labels. */
  match(method: string, path: string): Match<T> {
    const root = this.methods.get(method);
    if (!root) return undefined;
    const segs = segments(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
    const raw: [string, string][] = [];
    const found = find(root, segs, 0, raw);
    if (!found) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of raw) {
      if (value.length > MAX_LABEL_LENGTH) {
        return {
          value: found,
          error: badRequest(
            `A path segment of the request is longer than ${MAX_LABEL_LENGTH} characters.`,
          ),
        };
      }
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        return {
          value: found,
          error: badRequest('The request path holds an invalid percent-escape.'),
        };
      }
    }
    return { value: found, params };
  }
}

function segments(path: string): string[] {
  return path.split('/').slice(1);
}

function find<T>(at: Node<T>, segs: string[], i: number, raw: [string, string][]): T | undefined {
  if (i === segs.length) return at.value;
  const seg = segs[i]!;
  const literal = at.literal.get(seg);
  if (literal) {
    const v = find(literal, segs, i + 1, raw);
    if (v !== undefined) return v;
  }
  if (at.label && seg !== '') {
    raw.push([at.label.name, seg]);
    const v = find(at.label.node, segs, i + 1, raw);
    if (v !== undefined) return v;
    raw.pop();
  }
  return undefined;
}
