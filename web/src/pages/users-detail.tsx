import { useState } from 'preact/hooks';
import { call, type Output } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
  ErrorNote,
  Loading,
  Notice,
  PolicyNote,
  TableRegion,
  useAction,
  useId,
  useLoad,
  useModal,
} from '../ui';
import { GroupsField, TextField } from '../components/fields';
import { PendingInvitation } from '../components/invitation';
import { statusText, type Group, type User } from './user-status';

type Detail = Output<'GetUser'>;

/** A user's panel: profile editing, security groups and devices. */
export function UserDetail(props: {
  networkId: string;
  userId: string;
  /** The user's row in the list, whose status the panel repeats. */
  status: string | undefined;
  groups: Group[];
  onClose(): void;
  onChanged(): void;
}) {
  const { networkId, userId } = props;
  const user = useLoad(() => call('GetUser', { networkId, userId }), [userId]);
  const devices = useLoad(
    () => call('ListDevicesForUser', { networkId, userId, maxResults: 100 }),
    [userId],
  );
  const ref = useModal();
  const list = devices.data?.devices ?? [];
  return (
    <dialog
      ref={ref}
      class="panel"
      aria-label="User details"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
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
          status={props.status ?? statusText(user.data as User, false)}
          groups={props.groups}
          onSaved={() => {
            user.reload();
            props.onChanged();
          }}
        />
      ) : null}
      {user.data?.status === 1 ? <PendingInvitation networkId={networkId} userId={userId} /> : null}
      <h3>Devices</h3>
      {devices.loading && !devices.data ? <Loading what="devices" /> : null}
      <ErrorNote error={devices.error} />
      {devices.data && list.length === 0 ? (
        <p class="empty">No devices: the user has not signed in yet.</p>
      ) : null}
      {list.length > 0 ? (
        <TableRegion
          label="Devices"
          head={
            <>
              <th scope="col">App ID</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Last login</th>
            </>
          }
        >
          {list.map((d) => (
            <tr key={d.appId}>
              <td>{d.appId}</td>
              <td>{d.type}</td>
              <td>{d.statusText}</td>
              <td>{d.lastLogin}</td>
            </tr>
          ))}
        </TableRegion>
      ) : null}
    </dialog>
  );
}

function EditUser(props: {
  networkId: string;
  user: Detail;
  status: string;
  groups: Group[];
  onSaved(): void;
}) {
  const [firstName, setFirst] = useState(props.user.firstName ?? '');
  const [lastName, setLast] = useState(props.user.lastName ?? '');
  const [groupIds, setGroups] = useState<string[]>(props.user.securityGroupIds ?? []);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  const refusal = useRefusal()('UpdateUser', props.networkId);
  const noteId = useId('policy');
  const field = (name: string) => `userDetails.${name}`;
  return (
    <form
      aria-label="Edit user"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        const r = await run(() =>
          call('UpdateUser', {
            networkId: props.networkId,
            userId: props.user.userId ?? '',
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
        <dd>{props.status}</dd>
      </dl>
      <PolicyNote id={noteId} refusals={[refusal]} />
      <fieldset class="plain" disabled={refusal !== undefined}>
        <legend class="sr-only">Profile</legend>
        <TextField
          label="First name"
          name={field('firstName')}
          error={error}
          value={firstName}
          onInput={setFirst}
        />
        <TextField
          label="Last name"
          name={field('lastName')}
          error={error}
          value={lastName}
          onInput={setLast}
        />
        <GroupsField
          label="Security groups"
          name={field('securityGroupIds')}
          error={error}
          groups={props.groups}
          value={groupIds}
          onChange={setGroups}
        />
      </fieldset>
      <ErrorNote
        error={error}
        fields={[field('firstName'), field('lastName'), field('securityGroupIds')]}
      />
      <button type="submit" class="primary" {...allowedProps(refusal, noteId, busy)}>
        Save user
      </button>
      {saved ? <Notice>Saved.</Notice> : null}
    </form>
  );
}
