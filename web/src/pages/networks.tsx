import { useState } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import { call, clientToken } from '../api';
import {
  Confirm,
  ErrorNote,
  Field,
  Loading,
  Notice,
  SortHeader,
  useAction,
  useLoad,
  usePager,
} from '../ui';
import { CheckField, TextField } from '../components/fields';
import { PagedTable, useSort } from '../components/paged-table';

interface Network {
  networkId: string;
  networkName: string;
  accessLevel: string;
  standing?: number;
  freeTrialExpiration?: string;
}

export function NetworksPage() {
  const { sort, onSort, sortKey } = useSort('networkName');
  const pager = usePager(`${sortKey}`);
  const list = useLoad(
    () =>
      call<{ networks: Network[]; nextToken?: string }>('ListNetworks', {
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

  return (
    <section>
      <h1>Networks</h1>
      <CreateNetwork
        onCreated={(n) => {
          setNotice(`Network ${n.networkName} (${n.networkId}) created.`);
          list.reload();
        }}
      />
      {notice ? <Notice>{notice}</Notice> : null}
      <PagedTable
        what="networks"
        loaded={list}
        count={list.data?.networks.length ?? 0}
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
        {(list.data?.networks ?? []).map((n) => (
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
                <Link href={`/networks/${n.networkId}/users`}>{n.networkName}</Link>
              )}
            </td>
            <td>{n.networkId}</td>
            <td>{n.accessLevel}</td>
            <td class="row-actions">
              <Link href={`/networks/${n.networkId}/settings`}>Settings</Link>
              <button type="button" onClick={() => setRenaming(n.networkId)}>
                Rename
              </button>
              <button type="button" class="danger" onClick={() => setDeleting(n)}>
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

function CreateNetwork({ onCreated }: { onCreated(n: Network): void }) {
  const [name, setName] = useState('');
  const [level, setLevel] = useState('STANDARD');
  const [trial, setTrial] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      class="card inline"
      aria-label="Create network"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await run(() =>
          call<{ networkId: string; networkName: string }>('CreateNetwork', {
            networkName: name,
            accessLevel: level,
            ...(level === 'PREMIUM' && trial ? { enablePremiumFreeTrial: true } : {}),
          }),
        );
        if (r) {
          setName('');
          onCreated({ networkId: r.networkId, networkName: r.networkName, accessLevel: level });
        }
      }}
    >
      <h2>Create a network</h2>
      <TextField
        label="Network name"
        name="networkName"
        error={error}
        hint="1 to 20 characters"
        value={name}
        onInput={setName}
      />
      <Field label="Access level" name="accessLevel" error={error}>
        {(id) => (
          <select id={id} value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
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
      <button type="submit" class="primary" disabled={busy}>
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

interface Settings {
  enableClientMetrics: boolean;
  readReceiptConfig: { status: string };
  dataRetention: boolean;
  enableTrustedDataFormat: boolean;
  consentPopup: { enabled: boolean; header?: string; content?: string; closeButtonLabel?: string };
}

function parseSettings(list: { optionName: string; value: string; type: string }[]): Settings {
  const out: Record<string, unknown> = {};
  for (const s of list) {
    out[s.optionName] =
      s.type === 'object'
        ? JSON.parse(s.value)
        : s.type === 'boolean'
          ? s.value === 'true'
          : s.value;
  }
  return out as unknown as Settings;
}

export function NetworkSettingsPage() {
  const { networkId } = useParams<{ networkId: string }>();
  const loaded = useLoad(
    () =>
      call<{ settings: { optionName: string; value: string; type: string }[] }>(
        'GetNetworkSettings',
        { networkId },
      ).then((r) => parseSettings(r.settings)),
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

function SettingsForm({ networkId, initial }: { networkId: string; initial: Settings }) {
  const [s, setS] = useState<Settings>(initial);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const popup = s.consentPopup ?? { enabled: false };
  const check = (label: string, name: keyof Settings) => (
    <CheckField
      label={label}
      name={name}
      error={error}
      checked={Boolean(s[name])}
      onChange={(checked) => setS({ ...s, [name]: checked })}
    />
  );
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const r = await run(() => call('UpdateNetworkSettings', { networkId, settings: s }));
        if (r) setSaved(true);
      }}
    >
      {check('Client metrics', 'enableClientMetrics')}
      <Field label="Read receipts" name="status" error={error}>
        {(id) => (
          <select
            id={id}
            value={s.readReceiptConfig?.status ?? 'DISABLED'}
            onChange={(e) => setS({ ...s, readReceiptConfig: { status: e.currentTarget.value } })}
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
          name="enabled"
          error={error}
          checked={popup.enabled}
          onChange={(checked) => setS({ ...s, consentPopup: { ...popup, enabled: checked } })}
        />
        <Field label="Pop-up header" name="header" error={error}>
          {(id) => (
            <input
              id={id}
              value={popup.header ?? ''}
              onInput={(e) =>
                setS({ ...s, consentPopup: { ...popup, header: e.currentTarget.value } })
              }
            />
          )}
        </Field>
        <Field label="Pop-up text" name="content" error={error}>
          {(id) => (
            <textarea
              id={id}
              value={popup.content ?? ''}
              onInput={(e) =>
                setS({ ...s, consentPopup: { ...popup, content: e.currentTarget.value } })
              }
            />
          )}
        </Field>
        <Field label="Close button label" name="closeButtonLabel" error={error}>
          {(id) => (
            <input
              id={id}
              value={popup.closeButtonLabel ?? ''}
              onInput={(e) =>
                setS({ ...s, consentPopup: { ...popup, closeButtonLabel: e.currentTarget.value } })
              }
            />
          )}
        </Field>
      </fieldset>
      <ErrorNote
        error={error}
        fields={[
          'enableClientMetrics',
          'status',
          'dataRetention',
          'enableTrustedDataFormat',
          'enabled',
          'header',
          'content',
          'closeButtonLabel',
        ]}
      />
      <button type="submit" class="primary" disabled={busy}>
        Save settings
      </button>
      {saved ? <Notice>Settings saved.</Notice> : null}
    </form>
  );
}
