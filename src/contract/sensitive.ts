/**
 * Where the contract marks members sensitive (`x-sensitive`: secrets, personal names): the
 * paths of those members in any operation's input or output, for log redaction. Array items
 * are `*`, e.g. `users.*.firstName`.
 */
import type { TSchema } from '@sinclair/typebox';
import type { OperationSpec } from './dsl.js';

export function sensitivePaths(operations: readonly OperationSpec[]): string[] {
  const paths = new Set<string>();
  const walk = (schema: TSchema, path: string[]): void => {
    if (schema['x-sensitive']) paths.add(path.join('.'));
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
