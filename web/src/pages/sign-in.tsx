import { useState } from 'preact/hooks';
import { signIn, type SessionInfo } from '../api';
import { ErrorNote, Field, useAction } from '../ui';

export function SignIn({ onSignedIn }: { onSignedIn(s: SessionInfo): void }) {
  const [id, setId] = useState('');
  const [secret, setSecret] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const { busy, error, run } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const s = await run(() => signIn(id, secret, region));
    if (s) onSignedIn(s);
  };
  const fields = ['accessKeyId', 'secretAccessKey', 'region'];
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Wickr Admin console</h1>
        <p class="hint">Sign in with an access key (the pair in ./data/credentials).</p>
        <Field label="Access key ID" name="accessKeyId" error={error}>
          {(fid) => (
            <input
              id={fid}
              value={id}
              autocomplete="username"
              spellcheck={false}
              onInput={(e) => setId(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Secret access key" name="secretAccessKey" error={error}>
          {(fid) => (
            <input
              id={fid}
              type="password"
              value={secret}
              autocomplete="current-password"
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Region" name="region" error={error}>
          {(fid) => (
            <input id={fid} value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
          )}
        </Field>
        <ErrorNote error={error} fields={fields} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
