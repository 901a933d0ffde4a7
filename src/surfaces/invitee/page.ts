/**
 * The invitation pages: what a person sees when they open the link from their invitation
 * e-mail in a browser, and what its form answers. Server-rendered HTML with one tiny inline
 * script (it fills in the platform); the form posts back to the same URL, so it works without
 * the script, offline, and with nothing to build. A wrong code (or unknown username) gets a
 * page that names nothing; the holder of the right code sees their invitation and its state.
 * The pages render the answers of the invitee operations (ViewInvitation, Register, Decline);
 * the invitee protocol (./protocol.ts) chooses them for a browser.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { InvitationView } from '../../domain/registration.js';
import { escapeHtml as esc } from '../../delivery/html.js';
import type { ApiError } from '../../contract/errors.js';
import type { Answer } from '../../pipeline/entry.js';

/** Quality of a media type in an Accept header (0 when not listed by name). */
function quality(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (name?.trim().toLowerCase() !== type) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q ? Number(q.slice(2)) || 0 : 1;
  }
  return 0;
}

/** A browser names text/html; an app asks for JSON or for anything (*\/*) and gets JSON. */
export function wantsHtml(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept ?? '';
  const html = quality(accept, 'text/html');
  return html > 0 && html >= quality(accept, 'application/json');
}

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1.5rem}
dt{color:#5a6272}dd{margin:0;word-break:break-all}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #aab;border-radius:4px}
.buttons{display:flex;gap:1rem;margin-top:1.5rem}
button{font:inherit;padding:.55rem 1.4rem;border-radius:4px;border:1px solid #0b5fff;cursor:pointer}
button.primary{background:#0b5fff;color:#fff}button.secondary{background:#fff;color:#0b5fff}
.status{padding:.75rem 1rem;border-radius:4px;margin:0 0 1rem}
.ok{background:#e6f4ea;color:#135b26}.bad{background:#fdecea;color:#8a1c12}.info{background:#e8f0fe;color:#174ea6}
ol{padding-left:1.25rem}
`;

// Fills in the platform from the browser; the field stays editable (and optional).
const SCRIPT = `
var p=document.getElementById('platform');
if(p&&!p.value){var d=navigator.userAgentData;p.value=(d&&d.platform)||navigator.platform||'Web';}
`;

/** A page as an answer. */
function page(statusCode: number, title: string, body: string): Answer {
  const nonce = randomBytes(16).toString('base64');
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex">` +
    `<link rel="icon" href="data:,"><title>${esc(title)}</title>` +
    `<style nonce="${nonce}">${STYLE}</style></head><body><main>${body}</main>` +
    `<script nonce="${nonce}">${SCRIPT}</script></body></html>`;
  return {
    status: statusCode,
    headers: {
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      'referrer-policy': 'no-referrer', // the URL carries the invite code
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-type': 'text/html; charset=utf-8',
    },
    body: html,
  };
}

const status = (kind: 'ok' | 'bad' | 'info', text: string) =>
  `<p class="status ${kind}" role="status">${text}</p>`;

function details(v: InvitationView): string {
  const rows: [string, string][] = [
    ['Network', `${v.networkName ?? ''} (${v.networkId})`],
    ['Username', v.username ?? ''],
  ];
  if (v.expiresAt !== undefined && v.state !== 'used') {
    rows.push([
      v.state === 'expired' ? 'Expired' : 'Valid until',
      new Date(v.expiresAt).toUTCString(),
    ]);
  }
  return `<dl>${rows.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join('')}</dl>`;
}

const INVALID_PAGE =
  `<h1>This invitation link is not valid</h1>` +
  status(
    'bad',
    'The link is not valid, or registration was locked after too many failed attempts.',
  ) +
  `<p>Open the whole link from your invitation e-mail. If it still does not work, ask your ` +
  `Wickr administrator to invite you again.</p>`;

function form(v: InvitationView, code: string): string {
  return (
    `<h1>Join ${esc(v.networkName ?? '')} on Wickr</h1>` +
    status('ok', 'Your invitation is valid.') +
    details(v) +
    formFields(v.username ?? '', code)
  );
}

function formFields(username: string, code: string): string {
  return (
    `<form method="post">` +
    `<input type="hidden" name="username" value="${esc(username)}">` +
    `<input type="hidden" name="inviteCode" value="${esc(code)}">` +
    `<label for="deviceName">Device name</label>` +
    `<input type="text" id="deviceName" name="deviceName" required maxlength="256" autocomplete="off" placeholder="e.g. Work laptop">` +
    `<label for="platform">Platform</label>` +
    `<input type="text" id="platform" name="platform" maxlength="256" autocomplete="off">` +
    `<div class="buttons">` +
    `<button class="primary" type="submit" name="action" value="register">Register</button>` +
    `<button class="secondary" type="submit" name="action" value="decline" formnovalidate>Decline</button>` +
    `</div></form>`
  );
}

/** The page for a link's state (anything but a fresh, valid invitation). */
function statePage(v: InvitationView): [number, string, string] {
  switch (v.state) {
    case 'expired':
      return [
        410,
        'Invitation expired',
        `<h1>This invitation has expired</h1>` +
          status('bad', 'The invite code is no longer valid.') +
          details(v) +
          `<p>Ask your Wickr administrator to invite you again; you will get a new e-mail.</p>`,
      ];
    case 'used':
      return [
        200,
        'Invitation already used',
        `<h1>This invitation was already used</h1>` +
          status('info', 'You are registered: the invite code cannot be used again.') +
          details(v) +
          `<p>Sign in with the Wickr app using your username. If you did not register, tell your Wickr administrator.</p>`,
      ];
    case 'suspended':
      return [
        403,
        'Account suspended',
        `<h1>Your account is suspended</h1>` +
          status('bad', 'You cannot register while your account is suspended.') +
          details(v) +
          `<p>Contact your Wickr administrator.</p>`,
      ];
    case 'declined':
      return [
        200,
        'Invitation declined',
        `<h1>You declined this invitation</h1>` +
          details(v) +
          `<p>If you want to join after all, ask your Wickr administrator to invite you again.</p>`,
      ];
    default:
      return [400, 'Invitation not valid', INVALID_PAGE];
  }
}

/** A fresh, valid invitation: its form; the state's page otherwise. */
export function invitationPage(v: InvitationView, code: string): Answer {
  if (v.state === 'valid') return page(200, 'Your Wickr invitation', form(v, code));
  return page(...statePage(v));
}

/** The page of a refused link or form: the invitation's state when the refusal shows it. */
export function refusalPage(e: ApiError, view: InvitationView | undefined): Answer {
  if (view) return page(...statePage(view));
  const body =
    e.errorName === 'RateLimitError'
      ? `<h1>Too many attempts</h1>${status('bad', esc(e.message))}<p>Wait a moment, then open the link again.</p>`
      : e.status >= 500
        ? `<h1>Something went wrong</h1>${status('bad', esc(e.message))}`
        : `<h1>This invitation link is not valid</h1>${status('bad', esc(e.message))}` +
          `<p>Open the whole link from your invitation e-mail.</p>`;
  const answer = page(e.status, 'Invitation', body);
  for (const [k, v] of Object.entries(e.headers ?? {})) answer.headers[k.toLowerCase()] = v;
  return answer;
}

/** A link without its username or code. */
export const incompleteLinkPage = (): Answer => page(400, 'Invitation not valid', INVALID_PAGE);

/** The form sent without a device name: asked again (nothing was checked yet). */
export function deviceNamePage(username: string, code: string): Answer {
  return page(
    400,
    'Your Wickr invitation',
    `<h1>Your Wickr invitation</h1>` +
      status('bad', 'Enter a name for this device.') +
      formFields(username, code),
  );
}

export function registeredPage(username: string, deviceName: string, platform: string): Answer {
  return page(
    200,
    'You are registered',
    `<h1>You are registered</h1>` +
      status('ok', `Welcome, ${esc(username)}. Your account is now active.`) +
      `<dl><dt>Username</dt><dd>${esc(username)}</dd><dt>Device</dt><dd>${esc(deviceName)} (${esc(platform)})</dd></dl>` +
      `<p>What happens next:</p><ol>` +
      `<li>Install the Wickr app on your device, if it is not installed yet.</li>` +
      `<li>Sign in with your username, <strong>${esc(username)}</strong>.</li>` +
      `<li>Your administrator now sees you as active; your invite code cannot be used again.</li>` +
      `</ol>`,
  );
}

export function declinedPage(): Answer {
  return page(
    200,
    'Invitation declined',
    `<h1>You declined the invitation</h1>` +
      status('info', 'Your invite code no longer works.') +
      `<p>Your administrator sees that you declined. If this was a mistake, ask them to invite you again.</p>`,
  );
}
