import { useState } from 'preact/hooks';
import { call, clientToken } from '../api';
import { Confirm, ErrorNote, Field, Notice, SortHeader, useAction, useLoad, usePager } from '../ui';
import { CheckField, TextField } from '../components/fields';
import { PagedTable, useSort } from '../components/paged-table';

interface Group {
  id: string;
  name: string;
  isDefault: boolean;
  activeMembers: number;
  botMembers: number;
  securityGroupSettings: Record<string, unknown>;
}

type Kind = 'bool' | 'int' | 'strings' | 'json' | { [k: string]: 'bool' | 'int' };

/** Every setting of UpdateSecurityGroup, with the control that edits it. */
const SETTINGS: [string, Kind][] = [
  ['alwaysReauthenticate', 'bool'],
  ['atakPackageValues', 'strings'],
  ['calling', { canStart11Call: 'bool', canVideoCall: 'bool', forceTcpCall: 'bool' }],
  ['checkForUpdates', 'bool'],
  ['enableAtak', 'bool'],
  ['enableCrashReports', 'bool'],
  ['enableFileDownload', 'bool'],
  ['enableGuestFederation', 'bool'],
  ['enableNotificationPreview', 'bool'],
  ['enableOpenAccessOption', 'bool'],
  ['enableRestrictedGlobalFederation', 'bool'],
  ['filesEnabled', 'bool'],
  ['forceDeviceLockout', 'int'],
  ['forceOpenAccess', 'bool'],
  ['forceReadReceipts', 'bool'],
  ['globalFederation', 'bool'],
  ['isAtoEnabled', 'bool'],
  ['isLinkPreviewEnabled', 'bool'],
  ['locationAllowMaps', 'bool'],
  ['locationEnabled', 'bool'],
  ['maxAutoDownloadSize', 'int'],
  ['maxBor', 'int'],
  ['maxTtl', 'int'],
  ['messageForwardingEnabled', 'bool'],
  [
    'passwordRequirements',
    { lowercase: 'int', minLength: 'int', numbers: 'int', symbols: 'int', uppercase: 'int' },
  ],
  ['presenceEnabled', 'bool'],
  ['quickResponses', 'strings'],
  ['showMasterRecoveryKey', 'bool'],
  ['shredder', { canProcessManually: 'bool', intensity: 'int' }],
  ['ssoMaxIdleMinutes', 'int'],
  ['maxNonSsoSessionMinutes', 'int'],
  ['federationMode', 'int'],
  ['lockoutThreshold', 'int'],
  ['permittedNetworks', 'strings'],
  ['permittedWickrAwsNetworks', 'json'],
  ['permittedWickrEnterpriseNetworks', 'json'],
];

const human = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/11/, ' 1:1')
    .replace(/^./, (c) => c.toUpperCase())
    .replace(/ ([A-Z])(?=[a-z])/g, (_m, c: string) => ` ${c.toLowerCase()}`);

export function SecurityGroupsPage({ networkId }: { networkId: string }) {
  const { sort, onSort, sortKey } = useSort('name');
  const pager = usePager(`${sortKey}`);
  const list = useLoad(
    () =>
      call<{ securityGroups?: Group[]; nextToken?: string }>('ListSecurityGroups', {
        networkId,
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
    [networkId, sort.field, sort.direction, pager.token],
  );
  const [editing, setEditing] = useState<string | undefined>();
  const [members, setMembers] = useState<Group | undefined>();
  const [deleting, setDeleting] = useState<Group | undefined>();
  const [notice, setNotice] = useState('');
  const del = useAction();
  const groups = list.data?.securityGroups ?? [];

  return (
    <section>
      <h1>Security groups</h1>
      <CreateGroup
        networkId={networkId}
        onCreated={(g) => {
          setNotice(`Security group ${g.name} created.`);
          list.reload();
        }}
      />
      {notice ? <Notice>{notice}</Notice> : null}
      <PagedTable
        what="security groups"
        loaded={list}
        count={groups.length}
        pager={pager}
        caption={<>Security groups of network {networkId}</>}
        empty={<>No security groups.</>}
        head={
          <>
            <SortHeader label="Name" field="name" sort={sort} onSort={onSort} />
            <SortHeader label="ID" field="id" sort={sort} onSort={onSort} />
            <th scope="col">Active members</th>
            <th scope="col">Bots</th>
            <th scope="col">Default</th>
            <th scope="col">Actions</th>
          </>
        }
      >
        {groups.map((g) => (
          <tr key={g.id}>
            <td>{g.name}</td>
            <td class="mono">{g.id}</td>
            <td>{g.activeMembers}</td>
            <td>{g.botMembers}</td>
            <td>{g.isDefault ? 'Yes' : 'No'}</td>
            <td class="row-actions">
              <button type="button" onClick={() => setEditing(g.id)}>
                Edit
              </button>
              <button type="button" onClick={() => setMembers(g)}>
                Members
              </button>
              {!g.isDefault ? (
                <button type="button" class="danger" onClick={() => setDeleting(g)}>
                  Delete
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </PagedTable>
      {editing ? (
        <EditGroup
          key={editing}
          networkId={networkId}
          group={groups.find((g) => g.id === editing)!}
          onDone={() => {
            setEditing(undefined);
            list.reload();
          }}
        />
      ) : null}
      {members ? <Members networkId={networkId} group={members} /> : null}
      {deleting ? (
        <Confirm
          title={`Delete security group ${deleting.name}?`}
          confirmLabel="Delete group"
          typed={deleting.name}
          busy={del.busy}
          error={del.error}
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const ok = await del.run(() =>
              call('DeleteSecurityGroup', { networkId, groupId: deleting.id }),
            );
            if (ok) {
              setNotice(`Security group ${deleting.name} deleted.`);
              setDeleting(undefined);
              list.reload();
            }
          }}
        />
      ) : null}
    </section>
  );
}

function CreateGroup({ networkId, onCreated }: { networkId: string; onCreated(g: Group): void }) {
  const [name, setName] = useState('');
  const [guests, setGuests] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      class="card inline"
      aria-label="Create security group"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await run(() =>
          call<{ securityGroup: Group }>('CreateSecurityGroup', {
            networkId,
            name,
            securityGroupSettings: { enableGuestFederation: guests },
            clientToken: clientToken(),
          }),
        );
        if (r) {
          setName('');
          onCreated(r.securityGroup);
        }
      }}
    >
      <h2>Create a security group</h2>
      <TextField label="Group name" name="name" error={error} value={name} onInput={setName} />
      <CheckField
        label="Guest federation"
        name="enableGuestFederation"
        error={error}
        checked={guests}
        onChange={setGuests}
      />
      <button type="submit" class="primary" disabled={busy}>
        Create group
      </button>
      <ErrorNote error={error} fields={['name', 'enableGuestFederation']} />
    </form>
  );
}

function EditGroup(props: { networkId: string; group: Group; onDone(): void }) {
  const [name, setName] = useState(props.group.name);
  const [values, setValues] = useState<Record<string, unknown>>(() => {
    const v: Record<string, unknown> = { ...props.group.securityGroupSettings };
    for (const [k, kind] of SETTINGS) {
      if (kind === 'strings') v[k] = ((v[k] as string[] | undefined) ?? []).join('\n');
      if (kind === 'json') v[k] = JSON.stringify(v[k] ?? [], null, 1);
    }
    return v;
  });
  const { busy, error, setError, run } = useAction();
  const set = (k: string, value: unknown) => setValues({ ...values, [k]: value });

  const control = (
    key: string,
    kind: 'bool' | 'int',
    value: unknown,
    onChange: (v: unknown) => void,
  ) => (
    <Field key={key} label={human(key)} name={key} error={error}>
      {(id) =>
        kind === 'bool' ? (
          <input
            id={id}
            type="checkbox"
            checked={Boolean(value)}
            onChange={(e) => onChange(e.currentTarget.checked)}
          />
        ) : (
          <input
            id={id}
            type="number"
            value={value === undefined ? '' : String(value)}
            onInput={(e) =>
              onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))
            }
          />
        )
      }
    </Field>
  );

  return (
    <form
      class="card settings"
      aria-label={`Edit ${props.group.name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const settings: Record<string, unknown> = {};
        try {
          for (const [k, kind] of SETTINGS) {
            const v = values[k];
            if (v === undefined) continue;
            if (kind === 'strings')
              settings[k] = String(v)
                .split(/\n/)
                .map((s) => s.trim())
                .filter(Boolean);
            else if (kind === 'json') settings[k] = JSON.parse(String(v) || '[]');
            else settings[k] = v;
          }
        } catch (err) {
          setError(undefined);
          await run(() =>
            Promise.reject(new Error(`A list of networks is not valid JSON: ${String(err)}`)),
          );
          return;
        }
        const ok = await run(() =>
          call('UpdateSecurityGroup', {
            networkId: props.networkId,
            groupId: props.group.id,
            name,
            securityGroupSettings: settings,
          }),
        );
        if (ok) props.onDone();
      }}
    >
      <h2>Edit {props.group.name}</h2>
      <TextField label="Group name" name="name" error={error} value={name} onInput={setName} />
      <div class="grid">
        {SETTINGS.map(([key, kind]) => {
          if (kind === 'bool' || kind === 'int')
            return control(key, kind, values[key], (v) => set(key, v));
          if (kind === 'strings' || kind === 'json')
            return (
              <Field
                key={key}
                label={human(key)}
                name={key}
                error={error}
                hint={kind === 'json' ? 'JSON list' : 'One per line'}
              >
                {(id, described) => (
                  <textarea
                    id={id}
                    rows={2}
                    aria-describedby={described}
                    value={String(values[key] ?? '')}
                    onInput={(e) => set(key, e.currentTarget.value)}
                  />
                )}
              </Field>
            );
          const nested = (values[key] as Record<string, unknown> | undefined) ?? {};
          return (
            <fieldset key={key}>
              <legend>{human(key)}</legend>
              {Object.entries(kind).map(([sub, subKind]) =>
                control(sub, subKind, nested[sub], (v) => set(key, { ...nested, [sub]: v })),
              )}
            </fieldset>
          );
        })}
      </div>
      <ErrorNote error={error} fields={['name', ...SETTINGS.map(([k]) => k)]} />
      <div class="actions">
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Save group
        </button>
      </div>
    </form>
  );
}

function Members({ networkId, group }: { networkId: string; group: Group }) {
  const pager = usePager(group.id);
  const list = useLoad(
    () =>
      call<{ users: { userId: string; username?: string; status?: number }[]; nextToken?: string }>(
        'ListSecurityGroupUsers',
        {
          networkId,
          groupId: group.id,
          maxResults: 100,
          ...(pager.token ? { nextToken: pager.token } : {}),
        },
      ),
    [group.id, pager.token],
  );
  return (
    <section class="card" aria-label={`Members of ${group.name}`}>
      <h2>Members of {group.name}</h2>
      <PagedTable
        what="members"
        loaded={list}
        count={list.data?.users.length ?? 0}
        pager={pager}
        empty="No members."
        head={
          <>
            <th scope="col">Username</th>
            <th scope="col">Status</th>
          </>
        }
      >
        {(list.data?.users ?? []).map((u) => (
          <tr key={u.userId}>
            <td>{u.username}</td>
            <td>{u.status === 2 ? 'Active' : 'Pending'}</td>
          </tr>
        ))}
      </PagedTable>
    </section>
  );
}
