/**
 * Where each input member of an operation travels on the wire (restJson1): URI label, query
 * string, header, or the JSON body. Derived from the contract's `x-location`/`x-name` marks;
 * the server's binder and the signed client both read it, so the two ends agree by
 * construction.
 */
import type { TSchema } from '@sinclair/typebox';
import type { OperationSpec } from './dsl.js';

export type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'other';

export interface LocatedMember {
  member: string;
  wireName: string;
  location: 'uri' | 'querystring' | 'header';
  kind: Kind;
}

export interface BindingPlan {
  located: LocatedMember[];
  /** Wire names of located members (they are never read from the body). */
  locatedNames: Set<string>;
  hasBody: boolean;
}

export function planBinding(op: OperationSpec): BindingPlan {
  const located: LocatedMember[] = [];
  let hasBody = false;
  for (const [member, schema] of Object.entries(op.input.properties as Record<string, TSchema>)) {
    const location = schema['x-location'] as LocatedMember['location'] | undefined;
    if (!location) {
      hasBody = true;
      continue;
    }
    const type = schema['type'] as string | undefined;
    const kind: Kind =
      type === 'string' || type === 'integer' || type === 'number' || type === 'boolean'
        ? type
        : 'other';
    const wireName = (schema['x-name'] as string | undefined) ?? member;
    located.push({ member, wireName, location, kind });
  }
  return { located, locatedNames: new Set(located.map((l) => l.member)), hasBody };
}
