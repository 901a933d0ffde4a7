/**
 * SCIM filters (RFC 7644 3.4.2.2) as SQL: parsed by scim2-parse-filter (the parser scim-patch
 * uses too), then each comparison of an attribute this server filters on becomes a condition
 * on its column. Supported: `eq` on the attributes each resource type lists, joined with `and`
 * and `or` (and parentheses); anything else is a 400 invalidFilter naming what is not
 * supported, never a filter silently ignored.
 */
import { sql, type RawBuilder } from 'kysely';
import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter } from '../../contract/scim-errors.js';

/** An attribute's `eq` as a condition on its column, from the compared value. */
export type Comparison = (value: string | number | boolean | null) => RawBuilder<boolean>;

/** The attributes a resource type filters on, by lower-cased name. */
export type FilterAttributes = Readonly<Record<string, Comparison>>;

/** The longest filter read (Okta's and Entra ID's are a comparison or two). */
const MAX_FILTER_DEPTH = 8;

export function parseFilter(text: string): Filter {
  try {
    return parse(text);
  } catch (e) {
    throw invalidFilter(`The filter ${JSON.stringify(text)} is not valid: ${(e as Error).message}`);
  }
}

/** The filter as a SQL condition over the attributes given. */
export function filterCondition(text: string, attributes: FilterAttributes): RawBuilder<boolean> {
  return compile(parseFilter(text), attributes, 0);
}

function compile(f: Filter, attributes: FilterAttributes, depth: number): RawBuilder<boolean> {
  if (depth > MAX_FILTER_DEPTH) throw invalidFilter('The filter is nested too deeply.');
  switch (f.op) {
    case 'and':
    case 'or': {
      const parts = (f as { filters: Filter[] }).filters.map((p) =>
        compile(p, attributes, depth + 1),
      );
      return sql<boolean>`(${sql.join(parts, sql.raw(` ${f.op} `))})`;
    }
    case 'eq': {
      const { attrPath, compValue } = f as {
        attrPath: string;
        compValue: string | number | boolean | null;
      };
      const name = attrPath.startsWith('urn:')
        ? attrPath.slice(attrPath.lastIndexOf(':') + 1)
        : attrPath;
      const attribute = attributes[name.toLowerCase()];
      if (!attribute) {
        throw invalidFilter(
          `Filtering on ${attrPath} is not supported; filter with eq on: ${Object.keys(attributes).join(', ')}.`,
        );
      }
      return attribute(compValue);
    }
    default:
      throw invalidFilter(
        `The filter operator ${f.op} is not supported; use eq, and, or (docs/scim.md).`,
      );
  }
}

/** `column = value` for a string attribute; another type of value matches nothing. */
export const stringEquals =
  (column: string, fold = false): Comparison =>
  (value) =>
    typeof value === 'string'
      ? sql<boolean>`${sql.ref(column)} = ${fold ? value.toLowerCase() : value}`
      : sql<boolean>`1 = 0`;
