import { useState } from 'preact/hooks';
import { call, clientToken, type Output } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
  Confirm,
  ErrorNote,
  Notice,
  PolicyNote,
  SortHeader,
  useAction,
  useId,
  useLoad,
  usePager,
} from '../ui';
import { TextField } from '../components/fields';
import { PagedTable, useSort } from '../components/paged-table';
import { EditGroup } from './security-group-editor';
import { statusText } from './user-status';

type Group = NonNullable<Output<'ListSecurityGroups'>['securityGroups']>[number];

export function SecurityGroupsPage({ networkId }: { networkId: string }) {
  const { sort, onSort, sortKey } = useSort('name');
  const pager = usePager(`${sortKey}`);
  const list = useLoad(
    () =>
      call('ListSecurityGroups', {
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
  const refusal = useRefusal();
  const noteId = useId('policy');
  const cannot = {
    create: refusal('CreateSecurityGroup', networkId),
    update: refusal('UpdateSecurityGroup', networkId),
    del: refusal('DeleteSecurityGroup', networkId),
    members: refusal('ListSecurityGroupUsers', networkId),
  };
  const editingGroup = groups.find((g) => g.id === editing);

  return (
    <section>
      <h1>Security groups</h1>
      <PolicyNote id={noteId} refusals={Object.values(cannot)} />
      <CreateGroup
        networkId={networkId}
        refusal={cannot.create}
        noteId={noteId}
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
              <button
                type="button"
                {...allowedProps(cannot.update, noteId)}
                onClick={() => {
                  setNotice('');
                  setEditing(g.id);
                }}
              >
                Edit
              </button>
              <button
                type="button"
                {...allowedProps(cannot.members, noteId)}
                onClick={() => setMembers(g)}
              >
                Members
              </button>
              {!g.isDefault ? (
                <button
                  type="button"
                  class="danger"
                  {...allowedProps(cannot.del, noteId)}
                  onClick={() => setDeleting(g)}
                >
                  Delete
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </PagedTable>
      {editingGroup ? (
        <EditGroup
          key={editingGroup.id}
          networkId={networkId}
          group={editingGroup}
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

function CreateGroup(props: {
  networkId: string;
  refusal: string | undefined;
  noteId: string;
  onCreated(g: Group): void;
}) {
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      class="card inline"
      aria-label="Create security group"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await run(() =>
          call('CreateSecurityGroup', {
            networkId: props.networkId,
            name,
            securityGroupSettings: {},
            clientToken: clientToken(),
          }),
        );
        if (r) {
          setName('');
          props.onCreated(r.securityGroup);
        }
      }}
    >
      <h2>Create a security group</h2>
      <fieldset class="plain" disabled={props.refusal !== undefined}>
        <legend class="sr-only">New security group</legend>
        <TextField
          label="Group name"
          name="name"
          error={error}
          hint="Its settings start as the defaults; edit them after."
          value={name}
          onInput={setName}
        />
      </fieldset>
      <button type="submit" class="primary" {...allowedProps(props.refusal, props.noteId, busy)}>
        Create group
      </button>
      <ErrorNote error={error} fields={['name']} />
    </form>
  );
}

function Members({ networkId, group }: { networkId: string; group: Group }) {
  const pager = usePager(group.id);
  const list = useLoad(
    () =>
      call('ListSecurityGroupUsers', {
        networkId,
        groupId: group.id,
        maxResults: 100,
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
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
        caption={<>Members of {group.name}</>}
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
            <td>{statusText(u, false)}</td>
          </tr>
        ))}
      </PagedTable>
    </section>
  );
}
