/** The data-retention bot's state machine as numbered steps, each with its action. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call, type Input, type Output } from '../api';
import { Confirm, ErrorNote, Loading, Notice, useAction, useLoad } from '../ui';

type State = Partial<Output<'GetDataRetentionBot'>>;

export function DataRetentionPage({ networkId }: { networkId: string }) {
  const state = useLoad(() => call('GetDataRetentionBot', { networkId }), [networkId]);
  const [challenge, setChallenge] = useState<string | undefined>();
  const [notice, setNotice] = useState('');
  const [deleting, setDeleting] = useState(false);
  const act = useAction();
  const s: State = state.data ?? {};
  const doIt = async <T,>(what: string, f: () => Promise<T>) => {
    setNotice('');
    const ok = await act.run(f);
    if (ok !== undefined) {
      setNotice(what);
      state.reload();
    }
    return ok;
  };
  const update = (actionType: Input<'UpdateDataRetention'>['actionType'], what: string) =>
    doIt(what, () => call('UpdateDataRetention', { networkId, actionType }));

  const steps: { title: string; done: boolean; body: ComponentChildren }[] = [
    {
      title: 'Create the data-retention bot',
      done: Boolean(s.botExists),
      body: (
        <button
          type="button"
          disabled={act.busy || s.botExists}
          onClick={() =>
            doIt('The data-retention bot was created.', () =>
              call('CreateDataRetentionBot', { networkId }),
            )
          }
        >
          Create bot
        </button>
      ),
    },
    {
      title: 'Generate its password',
      done: Boolean(s.isDataRetentionBotRegistered || challenge),
      body: (
        <>
          <button
            type="button"
            disabled={act.busy || !s.botExists}
            onClick={async () => {
              const r = await doIt('A new password was generated.', () =>
                call('CreateDataRetentionBotChallenge', { networkId }),
              );
              if (r) setChallenge(r.challenge);
            }}
          >
            Generate password
          </button>
          {challenge ? (
            <p class="secret">
              Password, shown this once:{' '}
              <code class="mono" aria-label="Bot password">
                {challenge}
              </code>
            </p>
          ) : null}
        </>
      ),
    },
    {
      title: 'Sign the bot in with that password',
      done: Boolean(s.isDataRetentionBotRegistered),
      body: (
        <>
          <p class="hint">
            Configure the data-retention service with the bot name{' '}
            <code class="mono" aria-label="Bot name">
              {s.botName ?? '(create the bot first)'}
            </code>{' '}
            and the password; it signs in at{' '}
            <code class="mono">/client/v1/networks/{networkId}/bots/login</code>.
          </p>
          <button type="button" disabled={act.busy} onClick={() => state.reload()}>
            Check again
          </button>
        </>
      ),
    },
    {
      title: 'Acknowledge its public key message',
      done: Boolean(s.isPubkeyMsgAcked),
      body: (
        <button
          type="button"
          disabled={act.busy || !s.isDataRetentionBotRegistered || s.isPubkeyMsgAcked}
          onClick={() => update('PUBKEY_MSG_ACK', 'The public key message was acknowledged.')}
        >
          Acknowledge
        </button>
      ),
    },
    {
      title: 'Turn data retention on',
      done: Boolean(s.isDataRetentionServiceEnabled),
      body: s.isDataRetentionServiceEnabled ? (
        <button
          type="button"
          disabled={act.busy}
          onClick={() => update('DISABLE', 'Data retention is off.')}
        >
          Disable data retention
        </button>
      ) : (
        <button
          type="button"
          disabled={act.busy || !s.isPubkeyMsgAcked}
          onClick={() => update('ENABLE', 'Data retention is on.')}
        >
          Enable data retention
        </button>
      ),
    },
  ];
  const currentStep = steps.findIndex((st) => !st.done);

  return (
    <section>
      <h1>Data retention</h1>
      {state.loading && !state.data ? <Loading what="the data-retention state" /> : null}
      <ErrorNote error={state.error} />
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorNote error={act.error} />
      {state.data ? (
        <>
          <p>
            Data retention is <strong>{s.isDataRetentionServiceEnabled ? 'on' : 'off'}</strong>
            {s.botExists
              ? `; bot ${s.botName ?? ''} ${s.isBotActive ? 'active' : 'not active'}`
              : ''}
            .
          </p>
          <ol class="steps">
            {steps.map((st, i) => (
              <li
                key={st.title}
                class={st.done ? 'done' : i === currentStep ? 'current' : ''}
                aria-current={i === currentStep ? 'step' : undefined}
              >
                <h2>
                  {st.title}
                  <span class="badge">
                    {st.done ? 'Done' : i === currentStep ? 'Next' : 'Waiting'}
                  </span>
                </h2>
                {st.body}
              </li>
            ))}
          </ol>
          {s.botExists ? (
            <button type="button" class="danger" onClick={() => setDeleting(true)}>
              Delete the data-retention bot
            </button>
          ) : null}
        </>
      ) : null}
      {deleting ? (
        <Confirm
          title="Delete the data-retention bot?"
          confirmLabel="Delete bot"
          busy={act.busy}
          error={act.error}
          onCancel={() => setDeleting(false)}
          onConfirm={async () => {
            await doIt('The data-retention bot was deleted; data retention is off.', () =>
              call('DeleteDataRetentionBot', { networkId }),
            );
            setChallenge(undefined);
            setDeleting(false);
          }}
        >
          <p>Data retention stops with it.</p>
        </Confirm>
      ) : null}
    </section>
  );
}
