/**
 * Export CSV: every user of the network, page after page, each page written as CSV lines the
 * moment it arrives (the columns of src/client/csv/export.ts, shared with the CLI's import),
 * then saved as one file.
 */
import { call } from '../api';
import { EXPORT_COLUMNS, csvLine, exportLine } from '../../../src/client/csv/export';

/** Saves `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function exportUsers(
  networkId: string,
  anyDeclined: boolean,
  progress: (users: number) => void,
): Promise<number> {
  const parts: string[] = [csvLine(EXPORT_COLUMNS)];
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await call('ListUsers', {
      networkId,
      maxResults: 100,
      sortFields: 'username',
      sortDirection: 'ASC',
      ...(nextToken ? { nextToken } : {}),
    });
    let text = '';
    for (const u of page.users ?? []) text += exportLine(u, anyDeclined);
    parts.push(text);
    count += page.users?.length ?? 0;
    progress(count);
    nextToken = page.nextToken;
  } while (nextToken);
  download(new Blob(parts, { type: 'text/csv' }), `users-${networkId}.csv`);
  return count;
}
