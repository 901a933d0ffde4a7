/**
 * The account's access keys: list, create (the secret shown once, with a copy button) and
 * revoke (confirmed). The server's rules are `wickr-admin keys`' (auth/keys.ts) for keys that
 * hold `wickr:ManageAccessKeys`; a key never grants more than it holds, and the form says so
 * at the field the server names.
 */
import { useContext, useRef, useState } from 'preact/hooks';
import { callConsole, listAll, type ConsoleOutput } from '../api';
import {
  Confirm,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Notice,
  PolicyNote,
  TableRegion,
  allowedProps,
  useAction,
  useLoad,
  useReturnFocus,
} from '../ui';
import { SessionContext, useRefusal } from '../session';
import { OneTimeSecret } from '../components/copy';

type AccessKey = ConsoleOutput<'ListAccessKeys'>['accessKeys'][number];
type Created = ConsoleOutput<'CreateAccessKey'>;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en') : 'Never');
const split = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function AccessKeysPage() {
  const refusal = useRefusal()('ManageAccessKeys');
  const own = useContext(SessionContext)?.accessKeyId;
  const ownRefusal = `Access key ${own ?? ''} signed this session in: revoke it with another key (or wickr-admin keys revoke).`;
  const keys = useLoad<ConsoleOutput<'ListAccessKeys'>>(
    () => (refusal ? Promise.resolve({ accessKeys: [] }) : callConsole('ListAccessKeys', {})),
    [refusal],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | undefined>();
  const [revoking, setRevoking] = useState<AccessKey | undefined>();
  const revoke = useAction();
  const list = keys.data?.accessKeys ?? [];
  return (
    <section>
      <h1>Access keys</h1>
      <p class="hint">
        The keys of your account that sign requests to this server (boto3, the AWS CLI, this
        console). A secret is shown once, when its key is created, and never again.
      </p>
      <PolicyNote id="keys-policy" refusals={[refusal]} />
      {!refusal && list.some((k) => k.accessKeyId === own && !k.revokedAt) ? (
        <p id="keys-own" class="hint">
          {ownRefusal}
        </p>
      ) : null}
      <div class="filters">
        <button
          type="button"
          class="primary"
          {...allowedProps(refusal, 'keys-policy')}
          onClick={() => {
            setCreated(undefined);
            setCreating(true);
          }}
        >
          Create access key
        </button>
        <button type="button" onClick={keys.reload} disabled={refusal !== undefined}>
          Refresh
        </button>
      </div>
      {creating ? (
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            keys.reload();
          }}
        />
      ) : null}
      {created ? (
        <OneTimeSecret
          title={`Access key ${created.accessKeyId} created`}
          warning="Copy the secret access key now: it is shown only this once, and the server cannot show it again. Lost, it means revoking the key and creating another."
          facts={[['Access key ID', created.accessKeyId]]}
          noun="secret access key"
          secret={created.secretAccessKey}
          doneLabel="Done: I have stored the secret"
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {revoke.notice ? <Notice>{revoke.notice}</Notice> : null}
      {keys.loading && !keys.data ? <Loading what="access keys" /> : null}
      <ErrorNote error={keys.error} />
      {keys.data && list.length === 0 && !refusal ? <Empty>No access keys to show.</Empty> : null}
      {list.length > 0 ? (
        <TableRegion
          caption="Access keys"
          head={
            <>
              <th scope="col">Access key ID</th>
              <th scope="col">Owner</th>
              <th scope="col">Label</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Networks</th>
              <th scope="col">Allowed actions</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </>
          }
        >
          {list.map((k) => (
            <tr key={k.accessKeyId} class={k.revokedAt ? 'muted' : ''}>
              <td class="mono">{k.accessKeyId}</td>
              <td>{k.userName}</td>
              <td>{k.label ?? ''}</td>
              <td>{when(k.createdAt)}</td>
              <td>{when(k.lastUsedAt)}</td>
              <td>{k.networks ? k.networks.join(', ') : 'All'}</td>
              <td class="mono">{k.actions.join(', ')}</td>
              <td>{k.revokedAt ? `Revoked ${when(k.revokedAt)}` : 'Active'}</td>
              <td>
                {k.revokedAt ? null : (
                  <button
                    type="button"
                    class="danger"
                    {...(k.accessKeyId === own && !refusal
                      ? allowedProps(ownRefusal, 'keys-own')
                      : allowedProps(refusal, 'keys-policy', revoke.busy))}
                    onClick={() => {
                      revoke.setError(undefined);
                      setRevoking(k);
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
          title={`Revoke access key ${revoking.accessKeyId}?`}
          confirmLabel="Revoke"
          busy={revoke.busy}
          error={revoke.error}
          onCancel={() => setRevoking(undefined)}
          onConfirm={async () => {
            const r = await revoke.run(() =>
              callConsole('RevokeAccessKey', { accessKeyId: revoking.accessKeyId }),
            );
            if (r) {
              setRevoking(undefined);
              revoke.setNotice(
                r.alreadyRevoked
                  ? `Access key ${revoking.accessKeyId} was already revoked.`
                  : `Access key ${revoking.accessKeyId} is revoked: requests signed with it are refused from now on.`,
              );
              keys.reload();
            }
          }}
        >
          <p>
            Requests signed with it, and console sessions signed in with it, are refused from then
            on. This cannot be undone: a new key would have to be created and handed out.
          </p>
        </Confirm>
      ) : null}
    </section>
  );
}

function CreateKeyForm(props: { onCancel(): void; onCreated(c: Created): void }) {
  const [actions, setActions] = useState('wickr:List*, wickr:Get*');
  const [networks, setNetworks] = useState<string[]>([]);
  const [userName, setUserName] = useState('');
  const [label, setLabel] = useState('');
  const action = useAction();
  const ref = useRef<HTMLHeadingElement>(null);
  useReturnFocus(ref);
  const known = useLoad(() => listAll('ListNetworks', {}, (p) => p.networks).catch(() => []), []);
  const fields = ['actions', 'networks', 'userName', 'label'];
  return (
    <form
      class="card"
      aria-labelledby="create-key-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await action.run(() =>
          callConsole('CreateAccessKey', {
            actions: split(actions),
            ...(networks.length ? { networks } : {}),
            ...(userName.trim() ? { userName: userName.trim() } : {}),
            ...(label.trim() ? { label: label.trim() } : {}),
          }),
        );
        if (r) props.onCreated(r);
      }}
    >
      <h2 id="create-key-title" tabIndex={-1} ref={ref}>
        New access key
      </h2>
      <Field
        label="Allowed actions"
        name="actions"
        error={action.error}
        hint="Comma- or space-separated: wickr:<Operation>, wildcards such as wickr:List*, wickr:ManageAccessKeys, or wickr:* for everything this key may do."
      >
        {(c) => (
          <textarea
            {...c}
            rows={2}
            value={actions}
            onInput={(e) => setActions(e.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="plain">
        <legend>Networks</legend>
        <p class="hint">None chosen: every network of the account (now and later).</p>
        {(known.data ?? []).map((n) => (
          <label key={n.networkId} class="choice">
            <input
              type="checkbox"
              checked={networks.includes(n.networkId)}
              onChange={(e) =>
                setNetworks(
                  e.currentTarget.checked
                    ? [...networks, n.networkId]
                    : networks.filter((x) => x !== n.networkId),
                )
              }
            />{' '}
            {n.networkName} ({n.networkId})
          </label>
        ))}
        {action.error?.reasonFor('networks') ? (
          <small class="field-error">{action.error.reasonFor('networks')}</small>
        ) : null}
      </fieldset>
      <Field
        label="Owner's user name"
        name="userName"
        error={action.error}
        hint="As an IAM user's name (default root): who acted, in the audit trail."
      >
        {(c) => (
          <input
            {...c}
            value={userName}
            autocomplete="off"
            onInput={(e) => setUserName(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Label" name="label" error={action.error} hint="A note to recognise the key by.">
        {(c) => <input {...c} value={label} onInput={(e) => setLabel(e.currentTarget.value)} />}
      </Field>
      <ErrorNote error={action.error} fields={fields} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Create access key
        </button>
      </div>
    </form>
  );
}
