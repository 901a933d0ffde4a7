import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ApiFailure, call, type Output } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
  ErrorNote,
  Field,
  Loading,
  Notice,
  PolicyNote,
  useAction,
  useId,
  useLoad,
} from '../ui';
import { TextField } from '../components/fields';
import { useNetworkInfo } from '../components/invitation';
import { CopyUrl } from '../components/copy';

type OidcConfig = Partial<NonNullable<Output<'GetOidcInfo'>['openidConnectInfo']>>;
type TdfConfig = Pick<Output<'GetOpentdfConfig'>, 'clientId' | 'domain' | 'provider'>;

/** GetOidcInfo answers ResourceNotFoundError when nothing is configured yet: an empty form. */
const orEmpty = <T,>(p: Promise<T>, empty: T) =>
  p.catch((e: unknown) => {
    if (e instanceof ApiFailure && e.type === 'ResourceNotFoundError') return empty;
    throw e;
  });

export function SsoPage({ networkId }: { networkId: string }) {
  const info = useNetworkInfo(networkId);
  const oidc = useLoad(
    () =>
      orEmpty(
        call('GetOidcInfo', { networkId }).then((r): OidcConfig => r.openidConnectInfo ?? {}),
        {},
      ),
    [networkId],
  );
  const tdf = useLoad(
    () =>
      orEmpty(
        call('GetOpentdfConfig', { networkId }).then((r): TdfConfig => ({
          clientId: r.clientId,
          domain: r.domain,
          provider: r.provider,
        })),
        { clientId: '', domain: '', provider: '' },
      ),
    [networkId],
  );
  return (
    <section>
      <h1>SSO</h1>
      <h2>OpenID Connect</h2>
      {/* The redirect URI the server's OIDC flow sends (from WICKR_PUBLIC_URL). */}
      <CopyUrl url={info.data?.ssoCallbackUrl} label="Callback URL" copyLabel="Copy callback URL">
        register it at your identity provider as the application&apos;s redirect URI.
      </CopyUrl>
      <ErrorNote error={info.error} />
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
  const [found, setFound] = useState<Output<'RegisterOidcConfigTest'> | undefined>();
  const [saved, setSaved] = useState(false);
  const test = useAction();
  const save = useAction();
  const error = save.error ?? test.error;
  const refusal = useRefusal();
  const noteId = useId('policy');
  const cannotSave = refusal('RegisterOidcConfig', networkId);
  const cannotTest = refusal('RegisterOidcConfigTest', networkId);
  const text = (label: string, key: keyof typeof v, hint?: string, type = 'text') => (
    <TextField
      label={label}
      name={key}
      error={error}
      {...(hint ? { hint } : {})}
      type={type}
      value={v[key]}
      onInput={(value) => setV({ ...v, [key]: value })}
    />
  );
  const optional = <K extends keyof typeof v>(key: K) => (v[key] ? { [key]: v[key] } : {});
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
      <PolicyNote id={noteId} refusals={[cannotSave, cannotTest]} />
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
          {...allowedProps(cannotTest, noteId, test.busy)}
          onClick={async () => {
            setFound(undefined);
            setSaved(false);
            save.setError(undefined);
            const r = await test.run(() =>
              call('RegisterOidcConfigTest', {
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
        <button type="submit" class="primary" {...allowedProps(cannotSave, noteId, save.busy)}>
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

/**
 * The providers the model documents ("Currently only Virtru is supported"); the member is free
 * text in the model, so another name can still be given (the server says whether it takes it).
 */
const TDF_PROVIDERS = [['virtru', 'Virtru']] as const;
const OTHER = 'other';

function TdfForm(props: { networkId: string; initial: TdfConfig }) {
  const known = (p: string) => TDF_PROVIDERS.some(([value]) => value === p.toLowerCase());
  const [v, setV] = useState({
    ...props.initial,
    provider: props.initial.provider || TDF_PROVIDERS[0][0],
    clientSecret: '',
  });
  const [choice, setChoice] = useState(known(v.provider) ? v.provider.toLowerCase() : OTHER);
  const [result, setResult] = useState('');
  const { busy, error, run } = useAction();
  const refusal = useRefusal()('RegisterOpentdfConfig', props.networkId);
  const noteId = useId('policy');
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
    <TextField
      label={label}
      name={key}
      error={error}
      type={type}
      value={v[key]}
      onInput={(value) => setV({ ...v, [key]: value })}
    />
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
      <PolicyNote id={noteId} refusals={[refusal]} />
      <Field label="Provider" name={choice === OTHER ? 'providerChoice' : 'provider'} error={error}>
        {(c) => (
          <select
            {...c}
            value={choice}
            onChange={(e) => {
              const next = e.currentTarget.value;
              setChoice(next);
              setV({ ...v, provider: next === OTHER ? '' : next });
            }}
          >
            {TDF_PROVIDERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            <option value={OTHER}>Other…</option>
          </select>
        )}
      </Field>
      {choice === OTHER ? text('Other provider', 'provider') : null}
      {text('Domain', 'domain')}
      {text('TDF client ID', 'clientId')}
      {text('TDF client secret', 'clientSecret', 'password')}
      <ErrorNote error={error} fields={['provider', 'domain', 'clientId', 'clientSecret']} />
      <div class="actions">
        <button
          type="button"
          {...allowedProps(refusal, noteId, busy)}
          onClick={() => void submit(true)}
        >
          Validate only
        </button>
        <button type="submit" class="primary" {...allowedProps(refusal, noteId, busy)}>
          Save OpenTDF configuration
        </button>
      </div>
      {result ? <Notice>{result}</Notice> : null}
    </form>
  );
}
