/**
 * A network's SCIM page: the base URL an identity provider (Okta, Microsoft Entra ID)
 * provisions the network through, and the network's SCIM bearer tokens: list, create (the
 * token shown once, with a copy button) and revoke (confirmed). The calls are the server's own
 * operations (ListScimTokens, CreateScimToken, RevokeScimToken), as `wickr-admin scim token`
 * makes them, under the key's policy like any other (docs/scim.md).
 */
import { useRef, useState } from 'preact/hooks';
import { callConsole, type ConsoleOutput } from '../api';
import {
  allowedProps,
  Confirm,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Notice,
  PolicyNote,
  TableRegion,
  useAction,
  useLoad,
  useReturnFocus,
} from '../ui';
import { useRefusal } from '../session';
import { CopyUrl, OneTimeSecret } from '../components/copy';
import { useNetworkInfo } from '../components/invitation';

type ScimToken = ConsoleOutput<'ListScimTokens'>['tokens'][number];
type Created = ConsoleOutput<'CreateScimToken'>;

/** The tokens' times are epoch seconds. */
const when = (seconds: number) => new Date(seconds * 1000).toLocaleString('en');
const NOTE = 'scim-policy';

export function ScimPage({ networkId }: { networkId: string }) {
  const refusal = useRefusal();
  const cannotList = refusal('ListScimTokens', networkId);
  const cannotCreate = refusal('CreateScimToken', networkId);
  const cannotRevoke = refusal('RevokeScimToken', networkId);
  const info = useNetworkInfo(networkId);
  const tokens = useLoad<ConsoleOutput<'ListScimTokens'>>(
    () =>
      cannotList ? Promise.resolve({ tokens: [] }) : callConsole('ListScimTokens', { networkId }),
    [networkId, cannotList],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | undefined>();
  const [revoking, setRevoking] = useState<ScimToken | undefined>();
  const revoke = useAction();
  const list = tokens.data?.tokens ?? [];
  return (
    <section>
      <h1>SCIM</h1>
      <p class="hint">
        An identity provider (Okta, Microsoft Entra ID) creates, updates, deactivates and deletes
        this network&apos;s users and keeps its security groups&apos; members in step through SCIM
        2.0. Give it the base URL below and a token made here (or with{' '}
        <code>wickr-admin scim token create</code>) as its bearer token. A token works for this
        network only, and is shown once, when it is created.
      </p>
      <CopyUrl url={info.data?.scimBaseUrl} label="SCIM base URL" copyLabel="Copy SCIM base URL">
        give it to your identity provider as the SCIM connector&apos;s base URL (Okta) or tenant URL
        (Entra ID).
      </CopyUrl>
      <ErrorNote error={info.error} />
      <PolicyNote id={NOTE} refusals={[cannotList, cannotCreate, cannotRevoke]} />
      <div class="filters">
        <button
          type="button"
          class="primary"
          {...allowedProps(cannotCreate, NOTE)}
          onClick={() => {
            setCreated(undefined);
            setCreating(true);
          }}
        >
          Create SCIM token
        </button>
        <button type="button" onClick={tokens.reload} {...allowedProps(cannotList, NOTE)}>
          Refresh
        </button>
      </div>
      {creating ? (
        <CreateTokenForm
          networkId={networkId}
          onCancel={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            tokens.reload();
          }}
        />
      ) : null}
      {created ? (
        <OneTimeSecret
          title={`SCIM token ${created.tokenId} created`}
          warning="Copy the token now: it is shown only this once (the server keeps only its hash) and cannot be shown again. Lost, it means revoking the token and creating another."
          facts={[
            ['Token ID', created.tokenId],
            ['SCIM base URL', created.baseUrl],
          ]}
          noun="SCIM token"
          secret={created.token}
          doneLabel="Done: I have stored the token"
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {revoke.notice ? <Notice>{revoke.notice}</Notice> : null}
      {tokens.loading && !tokens.data ? <Loading what="SCIM tokens" /> : null}
      <ErrorNote error={tokens.error} />
      {tokens.data && list.length === 0 && !cannotList ? (
        <Empty>No SCIM tokens for this network yet.</Empty>
      ) : null}
      {list.length > 0 ? (
        <TableRegion
          caption="SCIM tokens"
          head={
            <>
              <th scope="col">Token ID</th>
              <th scope="col">Label</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </>
          }
        >
          {list.map((t) => (
            <tr key={t.tokenId} class={t.revokedAt !== undefined ? 'muted' : ''}>
              <td class="mono">{t.tokenId}</td>
              <td>{t.label ?? ''}</td>
              <td>{when(t.createdAt)}</td>
              <td>{t.revokedAt !== undefined ? `Revoked ${when(t.revokedAt)}` : 'Active'}</td>
              <td>
                {t.revokedAt !== undefined ? null : (
                  <button
                    type="button"
                    class="danger"
                    {...allowedProps(cannotRevoke, NOTE, revoke.busy)}
                    onClick={() => {
                      revoke.setError(undefined);
                      setRevoking(t);
                    }}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </TableRegion>
      ) : null}
      {revoking ? (
        <Confirm
          title={`Revoke SCIM token ${revoking.tokenId}?`}
          confirmLabel="Revoke"
          busy={revoke.busy}
          error={revoke.error}
          onCancel={() => setRevoking(undefined)}
          onConfirm={async () => {
            const r = await revoke.run(() =>
              callConsole('RevokeScimToken', { networkId, tokenId: revoking.tokenId }),
            );
            if (r) {
              setRevoking(undefined);
              revoke.setNotice(
                `SCIM token ${revoking.tokenId} is revoked: requests with it are refused from now on.`,
              );
              tokens.reload();
            }
          }}
        >
          <p>
            The identity provider that holds it can no longer provision this network: its requests
            are refused (401) from then on. This cannot be undone: a new token would have to be
            created and given to the identity provider.
          </p>
        </Confirm>
      ) : null}
    </section>
  );
}

function CreateTokenForm(props: {
  networkId: string;
  onCancel(): void;
  onCreated(c: Created): void;
}) {
  const [label, setLabel] = useState('');
  const action = useAction();
  const ref = useRef<HTMLHeadingElement>(null);
  useReturnFocus(ref);
  return (
    <form
      class="card"
      aria-labelledby="create-scim-token-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await action.run(() =>
          callConsole('CreateScimToken', {
            networkId: props.networkId,
            ...(label.trim() ? { label: label.trim() } : {}),
          }),
        );
        if (r) props.onCreated(r);
      }}
    >
      <h2 id="create-scim-token-title" tabIndex={-1} ref={ref}>
        New SCIM token
      </h2>
      <Field
        label="Label"
        name="label"
        error={action.error}
        hint="A note to recognise the token by, such as the identity provider that holds it (up to 128 characters)."
      >
        {(c) => (
          <input
            {...c}
            value={label}
            maxLength={128}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        )}
      </Field>
      <ErrorNote error={action.error} fields={['label']} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Create SCIM token
        </button>
      </div>
    </form>
  );
}
