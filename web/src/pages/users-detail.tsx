import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import { ErrorNote, Field, Loading, Notice, useAction, useLoad } from '../ui';
import { TextField } from '../components/fields';
import type { Group } from './users';

interface Detail {
  userId: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  status?: number;
  suspended?: boolean;
  lastLogin?: number;
  securityGroupIds?: string[];
}

interface Device {
  appId?: string;
  type?: string;
  created?: string;
  lastLogin?: string;
  statusText?: string;
}

/** A user's panel: profile editing, security groups and devices. */
export function UserDetail(props: {
  networkId: string;
  userId: string;
  groups: Group[];
  onClose(): void;
  onChanged(): void;
}) {
  const { networkId, userId } = props;
  const user = useLoad(() => call<Detail>('GetUser', { networkId, userId }), [userId]);
  const devices = useLoad(
    () => call<{ devices: Device[] }>('ListDevicesForUser', { networkId, userId, maxResults: 100 }),
    [userId],
  );
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return (
    <dialog ref={ref} class="panel" aria-label="User details" onCancel={props.onClose}>
      <header class="panel-head">
        <h2>{user.data?.username ?? `User ${userId}`}</h2>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </header>
      {user.loading && !user.data ? <Loading what="the user" /> : null}
      <ErrorNote error={user.error} />
      {user.data ? (
        <EditUser
          networkId={networkId}
          user={user.data}
          groups={props.groups}
          onSaved={() => {
            user.reload();
            props.onChanged();
          }}
        />
      ) : null}
      <h3>Devices</h3>
      {devices.loading && !devices.data ? <Loading what="devices" /> : null}
      <ErrorNote error={devices.error} />
      {devices.data && devices.data.devices.length === 0 ? (
        <p class="empty">No devices: the user has not signed in yet.</p>
      ) : null}
      {devices.data && devices.data.devices.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">App ID</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Last login</th>
            </tr>
          </thead>
          <tbody>
            {devices.data.devices.map((d) => (
              <tr key={d.appId}>
                <td>{d.appId}</td>
                <td>{d.type}</td>
                <td>{d.statusText}</td>
                <td>{d.lastLogin}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </dialog>
  );
}

function EditUser(props: { networkId: string; user: Detail; groups: Group[]; onSaved(): void }) {
  const [firstName, setFirst] = useState(props.user.firstName ?? '');
  const [lastName, setLast] = useState(props.user.lastName ?? '');
  const [groupIds, setGroups] = useState<string[]>(props.user.securityGroupIds ?? []);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const r = await run(() =>
          call('UpdateUser', {
            networkId: props.networkId,
            userId: props.user.userId,
            userDetails: { firstName, lastName, securityGroupIds: groupIds },
          }),
        );
        if (r) {
          setSaved(true);
          props.onSaved();
        }
      }}
    >
      <dl class="facts">
        <dt>User ID</dt>
        <dd>{props.user.userId}</dd>
        <dt>Status</dt>
        <dd>
          {props.user.suspended ? 'Suspended' : props.user.status === 2 ? 'Active' : 'Pending'}
        </dd>
      </dl>
      <TextField
        label="First name"
        name="firstName"
        error={error}
        value={firstName}
        onInput={setFirst}
      />
      <TextField
        label="Last name"
        name="lastName"
        error={error}
        value={lastName}
        onInput={setLast}
      />
      <Field label="Security groups" name="securityGroupIds" error={error}>
        {(id) => (
          <select
            id={id}
            multiple
            onChange={(e) => setGroups([...e.currentTarget.selectedOptions].map((o) => o.value))}
          >
            {props.groups.map((g) => (
              <option key={g.id} value={g.id} selected={groupIds.includes(g.id)}>
                {g.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={error} fields={['firstName', 'lastName', 'securityGroupIds']} />
      <button type="submit" class="primary" disabled={busy}>
        Save user
      </button>
      {saved ? <Notice>Saved.</Notice> : null}
    </form>
  );
}
