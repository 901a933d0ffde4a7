import { useState } from 'preact/hooks';
import { call, chunks } from '../api';
import { ErrorNote, Field, useAction } from '../ui';

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
            const res = await call<{
              successful?: { uname: string; username: string }[];
              failed?: { uname: string; reason?: string }[];
            }>('BatchLookupUserUname', { networkId, unames: part });
            out.push(...(res.successful ?? []), ...(res.failed ?? []));
          }
          return out;
        });
        if (r) setFound(r);
      }}
    >
      <h2>Look up unames</h2>
      <Field label="Unames" name="unames" error={error} hint="One per line, or separated by commas">
        {(id, described) => (
          <textarea
            id={id}
            rows={4}
            value={text}
            aria-describedby={described}
            onInput={(e) => setText(e.currentTarget.value)}
          />
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
          <table>
            <caption>Lookup results</caption>
            <thead>
              <tr>
                <th scope="col">Uname</th>
                <th scope="col">Username</th>
              </tr>
            </thead>
            <tbody>
              {found.map((f) => (
                <tr key={f.uname}>
                  <td class="mono">{f.uname}</td>
                  <td>{f.username ?? `Not found${f.reason ? `: ${f.reason}` : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </form>
  );
}
