import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ApiFailure, call } from '../api';
import { ErrorNote, Field, Loading, Notice, useAction, useLoad } from '../ui';

interface OidcConfig {
  companyId?: string;
  issuer?: string;
  scopes?: string;
  customUsername?: string;
  extraAuthParams?: string;
  ssoTokenBufferMinutes?: number;
  userId?: string;
  clientId?: string;
  redirectUrl?: string;
}

/** GetOidcInfo answers ResourceNotFoundError when nothing is configured yet: an empty form. */
const orEmpty = <T,>(p: Promise<T>, empty: T) =>
  p.catch((e: unknown) => {
    if (e instanceof ApiFailure && e.type === 'ResourceNotFoundError') return empty;
    throw e;
  });

export function SsoPage({ networkId }: { networkId: string }) {
  const oidc = useLoad(
    () =>
      orEmpty(
        call<{ openidConnectInfo?: OidcConfig }>('GetOidcInfo', { networkId }).then(
          (r) => r.openidConnectInfo ?? {},
        ),
        {} as OidcConfig,
      ),
    [networkId],
  );
  const tdf = useLoad(
    () =>
      orEmpty(
        call<{ clientId: string; domain: string; provider: string }>('GetOpentdfConfig', {
          networkId,
        }),
        { clientId: '', domain: '', provider: '' },
      ),
    [networkId],
  );
  return (
    <section>
      <h1>SSO</h1>
      <h2>OpenID Connect</h2>
      {oidc.loading && !oidc.data ? <Loading what="the OIDC configuration" /> : null}
      <ErrorNote error={oidc.error} />
      {oidc.data ? <OidcForm networkId={networkId} initial={oidc.data} /> : null}
      <h2>OpenTDF</h2>
      {tdf.loading && !tdf.data ? <Loading what="the OpenTDF configuration" /> : null}
      <ErrorNote error={tdf.error} />
      {tdf.data ? <TdfForm networkId={networkId} initial={tdf.data} /> : null}
    </section>
  );
}

const OIDC_FIELDS = [
  'companyId',
  'issuer',
  'scopes',
  'secret',
  'userId',
  'customUsername',
  'extraAuthParams',
  'ssoTokenBufferMinutes',
  'certificate',
];

function OidcForm({ networkId, initial }: { networkId: string; initial: OidcConfig }) {
  const [v, setV] = useState({
    companyId: initial.companyId ?? '',
    issuer: initial.issuer ?? '',
    scopes: initial.scopes ?? 'openid email',
    secret: '',
    userId: initial.userId ?? '',
    customUsername: initial.customUsername ?? '',
    extraAuthParams: initial.extraAuthParams ?? '',
    ssoTokenBufferMinutes:
      initial.ssoTokenBufferMinutes === undefined ? '' : String(initial.ssoTokenBufferMinutes),
  });
  const [found, setFound] = useState<Record<string, unknown> | undefined>();
  const [saved, setSaved] = useState(false);
  const test = useAction();
  const save = useAction();
  const error = save.error ?? test.error;
  const text = (label: string, key: keyof typeof v, hint?: string, type = 'text') => (
    <Field label={label} name={key} error={error} {...(hint ? { hint } : {})}>
      {(id, d) => (
        <input
          id={id}
          type={type}
          aria-describedby={d}
          value={v[key]}
          onInput={(e) => setV({ ...v, [key]: e.currentTarget.value })}
        />
      )}
    </Field>
  );
  const optional = (key: keyof typeof v) => (v[key] ? { [key]: v[key] } : {});
  return (
    <form
      class="card"
      aria-label="OpenID Connect"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const r = await save.run(() =>
          call('RegisterOidcConfig', {
            networkId,
            companyId: v.companyId,
            issuer: v.issuer,
            scopes: v.scopes,
            ...optional('secret'),
            ...optional('userId'),
            ...optional('customUsername'),
            ...optional('extraAuthParams'),
            ...(v.ssoTokenBufferMinutes !== ''
              ? { ssoTokenBufferMinutes: Number(v.ssoTokenBufferMinutes) }
              : {}),
          }),
        );
        if (r) setSaved(true);
      }}
    >
      {text('Company ID', 'companyId')}
      {text('Issuer', 'issuer', 'The provider URL, e.g. https://login.example.com')}
      {text('Scopes', 'scopes')}
      {text('Client secret', 'secret', 'Left empty: the stored secret is kept', 'password')}
      {text('User ID claim', 'userId')}
      {text('Custom username claim', 'customUsername')}
      {text('Extra authorization parameters', 'extraAuthParams')}
      {text('SSO token buffer (minutes)', 'ssoTokenBufferMinutes', undefined, 'number')}
      <ErrorNote error={error} fields={OIDC_FIELDS} />
      <div class="actions">
        <button
          type="button"
          disabled={test.busy}
          onClick={async () => {
            setFound(undefined);
            const r = await test.run(() =>
              call<Record<string, unknown>>('RegisterOidcConfigTest', {
                networkId,
                issuer: v.issuer,
                scopes: v.scopes,
                ...optional('extraAuthParams'),
              }),
            );
            if (r) setFound(r);
          }}
        >
          Test
        </button>
        <button type="submit" class="primary" disabled={save.busy}>
          Save OIDC configuration
        </button>
      </div>
      {saved ? <Notice>OIDC configuration saved.</Notice> : null}
      {found ? (
        <div class="card" role="status" aria-label="Discovery result">
          <h3>The provider answered</h3>
          <dl class="facts">
            {Object.entries(found).map(([k, val]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class="mono">{Array.isArray(val) ? val.join(', ') : String(val)}</dd>
              </Fragment>
            ))}
          </dl>
        </div>
      ) : null}
    </form>
  );
}

function TdfForm(props: {
  networkId: string;
  initial: { clientId: string; domain: string; provider: string };
}) {
  const [v, setV] = useState({ ...props.initial, clientSecret: '' });
  const [result, setResult] = useState('');
  const { busy, error, run } = useAction();
  const submit = async (dryRun: boolean) => {
    setResult('');
    const r = await run(() =>
      call('RegisterOpentdfConfig', {
        networkId: props.networkId,
        ...v,
        ...(dryRun ? { dryRun } : {}),
      }),
    );
    if (r)
      setResult(
        dryRun ? 'The configuration is valid (nothing was saved).' : 'OpenTDF configuration saved.',
      );
  };
  const text = (label: string, key: keyof typeof v, type = 'text') => (
    <Field label={label} name={key} error={error}>
      {(id) => (
        <input
          id={id}
          type={type}
          value={v[key]}
          onInput={(e) => setV({ ...v, [key]: e.currentTarget.value })}
        />
      )}
    </Field>
  );
  return (
    <form
      class="card"
      aria-label="OpenTDF"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(false);
      }}
    >
      {text('Provider', 'provider')}
      {text('Domain', 'domain')}
      {text('TDF client ID', 'clientId')}
      {text('TDF client secret', 'clientSecret', 'password')}
      <ErrorNote error={error} fields={['provider', 'domain', 'clientId', 'clientSecret']} />
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => void submit(true)}>
          Validate only
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Save OpenTDF configuration
        </button>
      </div>
      {result ? <Notice>{result}</Notice> : null}
    </form>
  );
}
