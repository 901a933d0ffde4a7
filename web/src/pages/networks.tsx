import { useState } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import { call, clientToken, type Input, type Output } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
  Confirm,
  ErrorNote,
  Field,
  Loading,
  Notice,
  PolicyNote,
  SortHeader,
  useAction,
  useId,
  useLoad,
  usePager,
} from '../ui';
import { CheckField, TextField } from '../components/fields';
import { PagedTable, useSort } from '../components/paged-table';

type Network = Output<'ListNetworks'>['networks'][number];
type AccessLevel = Input<'CreateNetwork'>['accessLevel'];

export function NetworksPage() {
  const { sort, onSort, sortKey } = useSort('networkName');
  const pager = usePager(`${sortKey}`);
  const list = useLoad(
    () =>
      call('ListNetworks', {
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
    [pager.token, sort.field, sort.direction],
  );
  const [deleting, setDeleting] = useState<Network | undefined>();
  const [renaming, setRenaming] = useState<string | undefined>();
  const del = useAction();
  const [notice, setNotice] = useState('');
  const refusal = useRefusal();
  const noteId = useId('policy');
  const cannotRename = (n: string) => refusal('UpdateNetwork', n);
  const cannotDelete = (n: string) => refusal('DeleteNetwork', n);
  const networks = list.data?.networks ?? [];

  return (
    <section>
      <h1>Networks</h1>
      <PolicyNote
        id={noteId}
        refusals={[
          refusal('CreateNetwork'),
          ...networks.flatMap((n) => [cannotRename(n.networkId), cannotDelete(n.networkId)]),
        ]}
      />
      <CreateNetwork
        refusal={refusal('CreateNetwork')}
        noteId={noteId}
        onCreated={(n) => {
          setNotice(`Network ${n.networkName} (${n.networkId}) created.`);
          list.reload();
        }}
      />
      {notice ? <Notice>{notice}</Notice> : null}
      <PagedTable
        what="networks"
        loaded={list}
        count={networks.length}
        pager={pager}
        caption={<>Networks of this account</>}
        empty={<>No networks yet: create the first one above.</>}
        head={
          <>
            <SortHeader label="Network name" field="networkName" sort={sort} onSort={onSort} />
            <SortHeader label="Network ID" field="networkId" sort={sort} onSort={onSort} />
            <th scope="col">Access level</th>
            <th scope="col">Actions</th>
          </>
        }
      >
        {networks.map((n) => (
          <tr key={n.networkId}>
            <td>
              {renaming === n.networkId ? (
                <Rename
                  network={n}
                  onDone={(changed) => {
                    setRenaming(undefined);
                    if (changed) list.reload();
                  }}
                />
              ) : (
                <Link href={`/networks/${n.networkId}/dashboard`}>{n.networkName}</Link>
              )}
            </td>
            <td>{n.networkId}</td>
            <td>{n.accessLevel === 'PREMIUM' ? 'Premium' : 'Standard'}</td>
            <td class="row-actions">
              <Link href={`/networks/${n.networkId}/settings`}>Settings</Link>
              <button
                type="button"
                {...allowedProps(cannotRename(n.networkId), noteId)}
                onClick={() => setRenaming(n.networkId)}
              >
                Rename
              </button>
              <button
                type="button"
                class="danger"
                {...allowedProps(cannotDelete(n.networkId), noteId)}
                onClick={() => setDeleting(n)}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </PagedTable>
      {deleting ? (
        <Confirm
          title={`Delete network ${deleting.networkName}?`}
          confirmLabel="Delete network"
          typed={deleting.networkName}
          busy={del.busy}
          error={del.error}
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const ok = await del.run(() =>
              call('DeleteNetwork', { networkId: deleting.networkId, clientToken: clientToken() }),
            );
            if (ok) {
              if (sessionStorage.getItem('network') === deleting.networkId) {
                sessionStorage.removeItem('network');
              }
              setNotice(`Network ${deleting.networkName} deleted.`);
              setDeleting(undefined);
              list.reload();
            }
          }}
        >
          <p>Its users, security groups, bots and queued invitations are deleted with it.</p>
        </Confirm>
      ) : null}
    </section>
  );
}

function CreateNetwork(props: {
  refusal: string | undefined;
  noteId: string;
  onCreated(n: { networkId: string; networkName: string }): void;
}) {
  const [name, setName] = useState('');
  const [level, setLevel] = useState<AccessLevel>('STANDARD');
  const [trial, setTrial] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      class="card inline"
      aria-label="Create network"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await run(() =>
          call('CreateNetwork', {
            networkName: name,
            accessLevel: level,
            ...(level === 'PREMIUM' && trial ? { enablePremiumFreeTrial: true } : {}),
          }),
        );
        if (r?.networkId) {
          setName('');
          props.onCreated({ networkId: r.networkId, networkName: r.networkName ?? name });
        }
      }}
    >
      <h2>Create a network</h2>
      <fieldset class="plain" disabled={props.refusal !== undefined}>
        <legend class="sr-only">New network</legend>
        <TextField
          label="Network name"
          name="networkName"
          error={error}
          hint="1 to 20 characters"
          value={name}
          onInput={setName}
        />
        <Field label="Access level" name="accessLevel" error={error}>
          {(c) => (
            <select
              {...c}
              value={level}
              onChange={(e) => setLevel(e.currentTarget.value as AccessLevel)}
            >
              <option value="STANDARD">Standard</option>
              <option value="PREMIUM">Premium</option>
            </select>
          )}
        </Field>
        {level === 'PREMIUM' ? (
          <CheckField
            label="Premium free trial"
            name="enablePremiumFreeTrial"
            error={error}
            checked={trial}
            onChange={setTrial}
          />
        ) : null}
      </fieldset>
      <button type="submit" class="primary" {...allowedProps(props.refusal, props.noteId, busy)}>
        Create network
      </button>
      <ErrorNote error={error} fields={['networkName', 'accessLevel', 'enablePremiumFreeTrial']} />
    </form>
  );
}

function Rename({ network, onDone }: { network: Network; onDone(changed: boolean): void }) {
  const [name, setName] = useState(network.networkName);
  const { busy, error, run } = useAction();
  return (
    <form
      class="inline"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await run(() =>
          call('UpdateNetwork', {
            networkId: network.networkId,
            networkName: name,
            clientToken: clientToken(),
          }),
        );
        if (ok) onDone(true);
      }}
    >
      <TextField label="New name" name="networkName" error={error} value={name} onInput={setName} />
      <button type="submit" disabled={busy}>
        Save name
      </button>
      <button type="button" onClick={() => onDone(false)}>
        Cancel
      </button>
      <ErrorNote error={error} fields={['networkName']} />
    </form>
  );
}

type SettingsInput = Input<'UpdateNetworkSettings'>['settings'];

/** GetNetworkSettings answers name/value/type rows; the form edits them as the input's shape. */
function parseSettings(list: Output<'GetNetworkSettings'>['settings']): SettingsInput {
  const out: Record<string, unknown> = {};
  for (const s of list) {
    out[s.optionName] =
      s.type === 'object'
        ? JSON.parse(s.value)
        : s.type === 'boolean'
          ? s.value === 'true'
          : s.value;
  }
  return out as SettingsInput;
}

export function NetworkSettingsPage() {
  const { networkId } = useParams<{ networkId: string }>();
  const loaded = useLoad(
    () => call('GetNetworkSettings', { networkId }).then((r) => parseSettings(r.settings)),
    [networkId],
  );
  return (
    <section>
      <h1>Network settings</h1>
      <p class="hint">Network {networkId}</p>
      {loaded.loading && !loaded.data ? <Loading what="settings" /> : null}
      <ErrorNote error={loaded.error} />
      {loaded.data ? <SettingsForm networkId={networkId} initial={loaded.data} /> : null}
    </section>
  );
}

type ReadReceipts = NonNullable<NonNullable<SettingsInput['readReceiptConfig']>['status']>;

function SettingsForm({ networkId, initial }: { networkId: string; initial: SettingsInput }) {
  const [s, setS] = useState<SettingsInput>(initial);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const refusal = useRefusal()('UpdateNetworkSettings', networkId);
  const noteId = useId('policy');
  const popup = s.consentPopup ?? { enabled: false };
  const check = (
    label: string,
    name: 'enableClientMetrics' | 'dataRetention' | 'enableTrustedDataFormat',
  ) => (
    <CheckField
      label={label}
      name={`settings.${name}`}
      error={error}
      checked={Boolean(s[name])}
      onChange={(checked) => setS({ ...s, [name]: checked })}
    />
  );
  const popupField = (
    label: string,
    key: 'header' | 'content' | 'closeButtonLabel',
    multiline = false,
  ) => (
    <Field label={label} name={`settings.consentPopup.${key}`} error={error}>
      {(c) => {
        const onInput = (e: { currentTarget: { value: string } }) =>
          setS({ ...s, consentPopup: { ...popup, [key]: e.currentTarget.value } });
        return multiline ? (
          <textarea {...c} value={popup[key] ?? ''} onInput={onInput} />
        ) : (
          <input {...c} value={popup[key] ?? ''} onInput={onInput} />
        );
      }}
    </Field>
  );
  return (
    <form
      class="card"
      aria-label="Network settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const r = await run(() => call('UpdateNetworkSettings', { networkId, settings: s }));
        if (r) setSaved(true);
      }}
    >
      <PolicyNote id={noteId} refusals={[refusal]} />
      <fieldset class="plain" disabled={refusal !== undefined}>
        <legend class="sr-only">Settings</legend>
        {check('Client metrics', 'enableClientMetrics')}
        <Field label="Read receipts" name="settings.readReceiptConfig.status" error={error}>
          {(c) => (
            <select
              {...c}
              value={s.readReceiptConfig?.status ?? 'DISABLED'}
              onChange={(e) =>
                setS({
                  ...s,
                  readReceiptConfig: { status: e.currentTarget.value as ReadReceipts },
                })
              }
            >
              <option value="DISABLED">Disabled</option>
              <option value="ENABLED">Enabled</option>
              <option value="FORCE_ENABLED">Always on (forced)</option>
            </select>
          )}
        </Field>
        {check('Data retention', 'dataRetention')}
        {check('Trusted data format', 'enableTrustedDataFormat')}
        <fieldset>
          <legend>Consent pop-up</legend>
          <CheckField
            label="Show a consent pop-up"
            name="settings.consentPopup.enabled"
            error={error}
            checked={popup.enabled}
            onChange={(checked) => setS({ ...s, consentPopup: { ...popup, enabled: checked } })}
          />
          {popupField('Pop-up header', 'header')}
          {popupField('Pop-up text', 'content', true)}
          {popupField('Close button label', 'closeButtonLabel')}
        </fieldset>
      </fieldset>
      <ErrorNote
        error={error}
        fields={[
          'settings.enableClientMetrics',
          'settings.readReceiptConfig.status',
          'settings.dataRetention',
          'settings.enableTrustedDataFormat',
          'settings.consentPopup.enabled',
          'settings.consentPopup.header',
          'settings.consentPopup.content',
          'settings.consentPopup.closeButtonLabel',
        ]}
      />
      <button type="submit" class="primary" {...allowedProps(refusal, noteId, busy)}>
        Save settings
      </button>
      {saved ? <Notice>Settings saved.</Notice> : null}
    </form>
  );
}
