/**
 * The expand-then-contract rule, as statements (see index.ts): what an expand migration may not
 * run on PostgreSQL, where replicas of two releases share one database. Each pattern is one
 * way a statement breaks the release before it: its queries name what is gone, or its writes
 * meet a constraint it does not know.
 */
const CONTRACTING: [RegExp, string][] = [
  [/\bDROP\s+(TABLE|VIEW|SEQUENCE|FUNCTION|TYPE)\b/i, 'drops what the previous release may use'],
  [/\bDROP\s+COLUMN\b/i, 'drops a column the previous release may read or write'],
  [/\bRENAME\b/i, 'renames what the previous release names'],
  [/\bALTER\s+COLUMN\b[^;]*\bTYPE\b/i, "changes a column's type under the previous release"],
  [/\bSET\s+NOT\s+NULL\b/i, "forbids NULLs the previous release's writes may leave"],
  [
    /\bADD\s+COLUMN\b(?![^;]*\bDEFAULT\b)[^;]*\bNOT\s+NULL\b/i,
    'adds a NOT NULL column without a default: the previous release cannot insert rows',
  ],
  [
    /\bADD\s+(CONSTRAINT\b[^;]*\b)?(CHECK|UNIQUE|FOREIGN\s+KEY)\b/i,
    "adds a constraint the previous release's writes may break",
  ],
  [/\bCREATE\s+UNIQUE\s+INDEX\b/i, "adds a uniqueness the previous release's writes may break"],
  [/\bDROP\s+TRIGGER\b/i, 'removes a trigger that keeps data the previous release relies on'],
];

/** The statements (with the reason) that make a migration a contract one. */
export function contractingStatements(statements: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of statements) {
    const hit = CONTRACTING.find(([pattern]) => pattern.test(s));
    if (hit) found.push(`${s} (${hit[1]})`);
  }
  return found;
}
