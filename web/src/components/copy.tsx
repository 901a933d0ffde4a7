/**
 * What a page hands over to be pasted elsewhere, each with its copy button and the outcome: a
 * URL to register at an identity provider (the SSO callback URL, the SCIM base URL), and a
 * secret shown once, when it is made (an access key's secret, a SCIM token).
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Field, Notice, useId, useReturnFocus } from '../ui';

/** Copies `text`, or says that the browser would not (then the field can be copied by hand). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A URL to give another system, in a card: `label` names it ("Callback URL"), `children` say
 * what to do with it, and `copyLabel` is the button's name.
 */
export function CopyUrl(props: {
  url: string | undefined;
  label: string;
  copyLabel: string;
  children: ComponentChildren;
}) {
  const [copied, setCopied] = useState<boolean | undefined>();
  const id = useId('url');
  const { url } = props;
  if (!url) return null;
  return (
    <div class="card callback">
      <p id={id}>
        {props.label}: {props.children}
      </p>
      <code class="url" aria-labelledby={id}>
        {url}
      </code>
      <button
        type="button"
        onClick={async () => setCopied(await copyText(url))}
        aria-describedby={id}
      >
        {props.copyLabel}
      </button>
      {copied === true ? <Notice>{props.label} copied to the clipboard.</Notice> : null}
      {copied === false ? (
        <Notice>The browser would not copy: select the URL and copy it.</Notice>
      ) : null}
    </div>
  );
}

/**
 * A secret the server answers once, when it is made: shown with what names it (`facts`, e.g.
 * the key's ID) and a copy button, until the person says it is stored (`onDone`). `noun` names
 * the secret in lower case as a sentence uses it ("secret access key", "SCIM token").
 */
export function OneTimeSecret(props: {
  title: string;
  warning: ComponentChildren;
  facts: readonly (readonly [label: string, value: string])[];
  noun: string;
  secret: string;
  doneLabel: string;
  onDone(): void;
}) {
  const [copied, setCopied] = useState('');
  const secretRef = useRef<HTMLInputElement>(null);
  const headRef = useRef<HTMLHeadingElement>(null);
  const titleId = useId('secret');
  useReturnFocus(headRef);
  async function copy() {
    if (await copyText(props.secret)) {
      setCopied(`The ${props.noun} is copied to the clipboard.`);
    } else {
      secretRef.current?.select();
      setCopied(
        `The browser did not allow copying: the ${props.noun} is selected, copy it with Ctrl+C.`,
      );
    }
  }
  return (
    <section class="card" aria-labelledby={titleId}>
      <h2 id={titleId} tabIndex={-1} ref={headRef}>
        {props.title}
      </h2>
      <p class="warning">{props.warning}</p>
      {props.facts.map(([label, value]) => (
        <Field key={label} label={label}>
          {(c) => <input {...c} class="mono" readOnly value={value} />}
        </Field>
      ))}
      <div class="secret-row">
        <Field label={props.noun[0]!.toUpperCase() + props.noun.slice(1)}>
          {(c) => <input {...c} ref={secretRef} class="mono" readOnly value={props.secret} />}
        </Field>
        <button type="button" onClick={() => void copy()}>
          Copy {props.noun}
        </button>
      </div>
      {copied ? <Notice>{copied}</Notice> : null}
      <div class="actions">
        <button type="button" onClick={props.onDone}>
          {props.doneLabel}
        </button>
      </div>
    </section>
  );
}
