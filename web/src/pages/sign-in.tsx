import { useState } from 'preact/hooks';
import { signIn, type SessionInfo } from '../api';
import { ErrorNote, useAction } from '../ui';
import { TextField } from '../components/fields';

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
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Wickr Admin console</h1>
        <p class="hint">Sign in with an access key (the pair in ./data/credentials).</p>
        <TextField
          label="Access key ID"
          name="accessKeyId"
          error={error}
          autocomplete="username"
          value={id}
          onInput={setId}
        />
        <TextField
          label="Secret access key"
          name="secretAccessKey"
          error={error}
          type="password"
          autocomplete="current-password"
          value={secret}
          onInput={setSecret}
        />
        <TextField label="Region" name="region" error={error} value={region} onInput={setRegion} />
        <ErrorNote error={error} fields={['accessKeyId', 'secretAccessKey', 'region']} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
