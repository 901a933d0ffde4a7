import { useState } from 'preact/hooks';
import { call } from '../api';
import { chunks } from '../../../src/client/csv/batches';
import { ErrorNote, Field, TableRegion, useAction } from '../ui';

interface Found {
  uname: string;
  username?: string;
  reason?: string;
}

/** Resolves pasted unames (username hashes) to usernames with BatchLookupUserUname. */
export function LookUpUnames({ networkId }: { networkId: string }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<Found[] | undefined>();
  const { busy, error, run } = useAction();
  return (
    <form
      class="card"
      aria-label="Look up unames"
      onSubmit={async (e) => {
        e.preventDefault();
        const unames = [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
        const r = await run(async () => {
          const out: Found[] = [];
          for (const part of chunks(unames)) {
            const res = await call('BatchLookupUserUname', { networkId, unames: part });
            out.push(...(res.successful ?? []), ...(res.failed ?? []));
          }
          return out;
        });
        if (r) setFound(r);
      }}
    >
      <h2>Look up unames</h2>
      <Field label="Unames" name="unames" error={error} hint="One per line, or separated by commas">
        {(c) => (
          <textarea {...c} rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        )}
      </Field>
      <ErrorNote error={error} fields={['unames']} />
      <button type="submit" class="primary" disabled={busy}>
        Resolve
      </button>
      {found ? (
        found.length === 0 ? (
          <p class="empty">Nothing to look up.</p>
        ) : (
          <TableRegion
            caption="Lookup results"
            head={
              <>
                <th scope="col">Uname</th>
                <th scope="col">Username</th>
              </>
            }
          >
            {found.map((f) => (
              <tr key={f.uname}>
                <td class="mono">{f.uname}</td>
                <td>{f.username ?? `Not found${f.reason ? `: ${f.reason}` : ''}`}</td>
              </tr>
            ))}
          </TableRegion>
        )
      ) : null}
    </form>
  );
}
