import { useState } from 'preact/hooks';
import { call, listAll, type Output } from '../api';
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
import { CheckField, GroupField, TextField } from '../components/fields';
import { PagedTable, useSort } from '../components/paged-table';

type Bot = Output<'ListBots'>['bots'][number];

/** A challenge (the bot's password) generated in the browser, shown once. */
function newChallenge(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, 'x');
}

export function BotsPage({ networkId }: { networkId: string }) {
  const { sort, onSort, sortKey } = useSort('username');
  const pager = usePager(`${sortKey}`);
  const list = useLoad(
    () =>
      call('ListBots', {
        networkId,
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
    [networkId, sort.field, sort.direction, pager.token],
  );
  const groups = useLoad(
    () => listAll('ListSecurityGroups', { networkId }, (p) => p.securityGroups),
    [networkId],
  );
  const [shown, setShown] = useState<{ username: string; challenge: string } | undefined>();
  const [deleting, setDeleting] = useState<Bot | undefined>();
  const [editing, setEditing] = useState<Bot | undefined>();
  const [notice, setNotice] = useState('');
  const act = useAction();
  const bots = list.data?.bots ?? [];
  const refusal = useRefusal();
  const noteId = useId('policy');
  const cannot = {
    create: refusal('CreateBot', networkId),
    update: refusal('UpdateBot', networkId),
    del: refusal('DeleteBot', networkId),
  };

  return (
    <section>
      <h1>Bots</h1>
      <PolicyNote id={noteId} refusals={Object.values(cannot)} />
      <CreateBot
        refusal={cannot.create}
        noteId={noteId}
        networkId={networkId}
        groups={groups.data ?? []}
        onCreated={(username, challenge) => {
          setShown({ username, challenge });
          list.reload();
        }}
      />
      {shown ? (
        <div class="card secret" role="status">
          <p>
            The password (challenge) of bot <strong>{shown.username}</strong>, shown this once:
          </p>
          <code class="mono">{shown.challenge}</code>
          <button type="button" onClick={() => setShown(undefined)}>
            I have saved it
          </button>
        </div>
      ) : null}
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorNote error={act.error} />
      <PagedTable
        what="bots"
        loaded={list}
        count={bots.length}
        pager={pager}
        caption={<>Bots of network {networkId}</>}
        empty={<>No bots in this network.</>}
        head={
          <>
            <SortHeader label="Username" field="username" sort={sort} onSort={onSort} />
            <SortHeader label="Display name" field="displayName" sort={sort} onSort={onSort} />
            <SortHeader label="Status" field="status" sort={sort} onSort={onSort} />
            <SortHeader label="Security group" field="groupId" sort={sort} onSort={onSort} />
            <th scope="col">Actions</th>
          </>
        }
      >
        {bots.map((b) => (
          <tr key={b.botId}>
            <td>{b.username}</td>
            <td>{b.displayName}</td>
            <td>{b.suspended ? 'Suspended' : b.status === 2 ? 'Active' : 'Pending'}</td>
            <td>{groups.data?.find((g) => g.id === b.groupId)?.name ?? b.groupId}</td>
            <td class="row-actions">
              <button
                type="button"
                {...allowedProps(cannot.update, noteId)}
                onClick={() => setEditing(b)}
              >
                Edit
              </button>
              <button
                type="button"
                {...allowedProps(cannot.update, noteId, act.busy)}
                onClick={async () => {
                  setNotice('');
                  const ok = await act.run(() =>
                    call('UpdateBot', { networkId, botId: b.botId ?? '', suspend: !b.suspended }),
                  );
                  if (ok) {
                    setNotice(`Bot ${b.username} ${b.suspended ? 'unsuspended' : 'suspended'}.`);
                    list.reload();
                  }
                }}
              >
                {b.suspended ? 'Unsuspend' : 'Suspend'}
              </button>
              <button
                type="button"
                class="danger"
                {...allowedProps(cannot.del, noteId)}
                onClick={() => setDeleting(b)}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </PagedTable>
      {editing ? (
        <EditBot
          key={editing.botId}
          networkId={networkId}
          bot={editing}
          groups={groups.data ?? []}
          onDone={(challenge) => {
            if (challenge)
              setShown({ username: editing.username ?? editing.botId ?? '', challenge });
            setEditing(undefined);
            list.reload();
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title={`Delete bot ${deleting.username}?`}
          confirmLabel="Delete bot"
          busy={act.busy}
          error={act.error}
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const ok = await act.run(() =>
              call('DeleteBot', { networkId, botId: deleting.botId ?? '' }),
            );
            if (ok) {
              setNotice(`Bot ${deleting.username} deleted.`);
              setDeleting(undefined);
              list.reload();
            }
          }}
        />
      ) : null}
    </section>
  );
}

function CreateBot(props: {
  refusal: string | undefined;
  noteId: string;
  networkId: string;
  groups: { id: string; name: string }[];
  onCreated(username: string, challenge: string): void;
}) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [groupId, setGroupId] = useState('');
  const { busy, error, run } = useAction();
  const group = groupId || props.groups[0]?.id || '';
  return (
    <form
      class="card inline"
      aria-label="Create bot"
      onSubmit={async (e) => {
        e.preventDefault();
        const challenge = newChallenge();
        const r = await run(() =>
          call('CreateBot', {
            networkId: props.networkId,
            username,
            ...(displayName ? { displayName } : {}),
            groupId: group,
            challenge,
          }),
        );
        if (r) {
          props.onCreated(username, challenge);
          setUsername('');
          setDisplayName('');
        }
      }}
    >
      <h2>Create a bot</h2>
      <fieldset class="plain" disabled={props.refusal !== undefined}>
        <legend class="sr-only">New bot</legend>
        <TextField
          label="Bot username"
          name="username"
          error={error}
          hint="Ends in bot, e.g. alertsbot"
          value={username}
          onInput={setUsername}
        />
        <TextField
          label="Display name"
          name="displayName"
          error={error}
          value={displayName}
          onInput={setDisplayName}
        />
        <GroupField
          label="Security group"
          name="groupId"
          error={error}
          groups={props.groups}
          value={group}
          onChange={setGroupId}
        />
      </fieldset>
      <button type="submit" class="primary" {...allowedProps(props.refusal, props.noteId, busy)}>
        Create bot
      </button>
      <ErrorNote error={error} fields={['username', 'displayName', 'groupId', 'challenge']} />
    </form>
  );
}

function EditBot(props: {
  networkId: string;
  bot: Bot;
  groups: { id: string; name: string }[];
  onDone(newChallenge?: string): void;
}) {
  const [displayName, setDisplayName] = useState(props.bot.displayName ?? '');
  const [groupId, setGroupId] = useState(props.bot.groupId ?? '');
  const [rotate, setRotate] = useState(false);
  const { busy, error, run } = useAction();
  return (
    <form
      class="card"
      aria-label={`Edit ${props.bot.username}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const challenge = rotate ? newChallenge() : undefined;
        const ok = await run(() =>
          call('UpdateBot', {
            networkId: props.networkId,
            botId: props.bot.botId ?? '',
            displayName,
            groupId,
            ...(challenge ? { challenge } : {}),
          }),
        );
        if (ok) props.onDone(challenge);
      }}
    >
      <h2>Edit {props.bot.username}</h2>
      <TextField
        label="Display name"
        name="displayName"
        error={error}
        value={displayName}
        onInput={setDisplayName}
      />
      <GroupField
        label="Security group"
        name="groupId"
        error={error}
        groups={props.groups}
        value={groupId}
        onChange={setGroupId}
      />
      <CheckField
        label="Generate a new password"
        name="challenge"
        error={error}
        checked={rotate}
        onChange={setRotate}
      />
      <ErrorNote error={error} fields={['displayName', 'groupId', 'challenge']} />
      <div class="actions">
        <button type="button" onClick={() => props.onDone()}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Save bot
        </button>
      </div>
    </form>
  );
}
