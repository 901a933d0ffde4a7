/**
 * A small RFC 4180 CSV reader, written by hand because no CSV package is installed: quoted
 * fields with `""` escapes, delimiters and line breaks inside quotes, a UTF-8 BOM, and LF,
 * CRLF or CR line endings. Spreadsheet exports (Excel, Google Sheets, the admin console) all
 * fit these rules.
 */

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`CSV line ${line}: ${message}`);
  }
}

export interface CsvRecord {
  /** 1-based record number (the header is record 1), as a spreadsheet numbers its rows. */
  row: number;
  /** 1-based line where the record starts (differs from `row` after quoted line breaks). */
  line: number;
  fields: string[];
}

export interface ParseOptions {
  /** Field separator; by default guessed from the first line (`,`, `;` or tab). */
  delimiter?: string;
}

/** Splits CSV text into records. Blank lines are skipped; a malformed quote throws CsvError. */
export function parseCsv(text: string, options: ParseOptions = {}): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = options.delimiter ?? guessDelimiter(text);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new CsvError(`unusable delimiter ${JSON.stringify(delimiter)}`, 1);
  }
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;

  const endRecord = () => {
    fields.push(field);
    // A line with nothing on it is not a record (a trailing newline, a spacer line).
    if (!(fields.length === 1 && fields[0] === '')) {
      records.push({ row: records.length + 1, line: recordLine, fields });
    }
    fields = [];
    field = '';
  };

  while (i < n) {
    const c = text[i]!;
    if (c === '"' && field === '' && !fieldStartedUnquoted(text, i, delimiter)) {
      // Quoted field: read to the closing quote; "" is a literal quote.
      const start = line;
      i++;
      for (;;) {
        if (i >= n) throw new CsvError('a quoted field is never closed', start);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\r' || q === '\n') {
          // Line breaks inside a quoted field are kept, normalised to \n.
          line++;
          if (q === '\r' && text[i + 1] === '\n') i++;
          field += '\n';
          i++;
          continue;
        }
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\r' && next !== '\n') {
        throw new CsvError(`unexpected ${JSON.stringify(next)} after a closing quote`, line);
      }
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
      continue;
    }
    // A quote in the middle of an unquoted field is taken literally (lenient, like Excel).
    field += c;
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** True when the quote at `i` is not at the start of a field (so it is literal text). */
function fieldStartedUnquoted(text: string, i: number, delimiter: string): boolean {
  if (i === 0) return false;
  const prev = text[i - 1];
  return !(prev === delimiter || prev === '\n' || prev === '\r');
}

/** The most frequent of `,` `;` and tab outside quotes on the first line; `,` on a tie. */
function guessDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [d, count] of counts) if (count > counts.get(best)!) best = d;
  return best;
}

export interface CsvTable {
  /** Header names as written. */
  header: string[];
  rows: { row: number; line: number; values: Map<string, string> }[];
}

/**
 * Parses CSV with a header row into rows keyed by normalised header name (lowercase letters
 * and digits only, so `First Name`, `first_name` and `firstName` are all `firstname`).
 * Cell values are trimmed.
 */
export function parseCsvTable(text: string, options: ParseOptions = {}): CsvTable {
  const records = parseCsv(text, options);
  const head = records[0];
  if (!head) throw new CsvError('the file is empty (a header row is required)', 1);
  const header = head.fields.map((h) => h.trim());
  const keys = header.map(normaliseHeader);
  const rows = records.slice(1).map((r) => {
    const values = new Map<string, string>();
    keys.forEach((k, idx) => {
      const v = (r.fields[idx] ?? '').trim();
      // The first non-empty cell wins when two columns normalise to the same name.
      if (k && (!values.has(k) || values.get(k) === '')) values.set(k, v);
    });
    return { row: r.row, line: r.line, values };
  });
  return { header, rows };
}

export function normaliseHeader(h: string): string {
  return h.toLowerCase().replace(/[^a-z0-9]/g, '');
}
