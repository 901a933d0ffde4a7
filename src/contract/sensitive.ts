/**
 * What the contract marks sensitive (`x-sensitive`: secrets, personal names), in one place:
 * the paths of those members for log redaction, and the masked copy of a request for the
 * audit trail. A custom invite code is treated as sensitive too, though the model does not
 * mark it.
 */
import type { TSchema } from '@sinclair/typebox';
import type { OperationSpec } from './dsl.js';

export const MASK = '***';

/** Members the model does not mark but that are secrets all the same (a custom invite code). */
const SECRET_NAMES = new Set(['inviteCode']);

/**
 * A copy of `value` with every member whose schema carries `x-sensitive` replaced by `mask`
 * ("***"; CloudTrail's events say HIDDEN_DUE_TO_SECURITY_REASONS).
 */
export function maskSensitive(
  schema: TSchema | undefined,
  value: unknown,
  mask: string = MASK,
): unknown {
  if (value === undefined || value === null || !schema) return value;
  const s = schema as Record<string, unknown>;
  if (s['x-sensitive']) return mask;
  if (Array.isArray(value)) {
    const items = s['items'] as TSchema | undefined;
    return value.map((v) => maskSensitive(items, v, mask));
  }
  if (typeof value === 'object') {
    const props = (s['properties'] ?? {}) as Record<string, TSchema>;
    const extra = s['additionalProperties'];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = props[k] ?? (typeof extra === 'object' ? (extra as TSchema) : undefined);
      out[k] = SECRET_NAMES.has(k) && v !== undefined ? mask : maskSensitive(sub, v, mask);
    }
    return out;
  }
  return value;
}

/** True when a schema marks anything sensitive: only such requests need the walk above. */
export function hasSensitive(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  if ((schema as Record<string, unknown>)['x-sensitive']) return true;
  const props = (schema as Record<string, unknown>)['properties'];
  if (props && typeof props === 'object' && Object.keys(props).some((k) => SECRET_NAMES.has(k)))
    return true;
  return Object.values(schema as Record<string, unknown>).some(hasSensitive);
}

/** Paths of the sensitive members in any operation's input or output (array items are `*`). */
export function sensitivePaths(operations: readonly OperationSpec[]): string[] {
  const paths = new Set<string>();
  const walk = (schema: TSchema, path: string[]): void => {
    if (schema['x-sensitive'] || SECRET_NAMES.has(path[path.length - 1] ?? '')) {
      paths.add(path.join('.'));
    }
    if (schema['type'] === 'array') walk(schema['items'] as TSchema, [...path, '*']);
    const props = schema['properties'] as Record<string, TSchema> | undefined;
    for (const [name, member] of Object.entries(props ?? {})) walk(member, [...path, name]);
  };
  for (const op of operations) {
    walk(op.input, []);
    walk(op.output, []);
  }
  return [...paths].sort();
}
