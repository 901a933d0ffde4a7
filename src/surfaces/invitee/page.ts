/**
 * The invitation page: what a person sees when they open the link from their invitation
 * e-mail in a browser. Server-rendered HTML with one tiny inline script (it fills in the
 * platform); the form posts back to the same URL, so it works without the script, offline,
 * and with nothing to build. A wrong code (or unknown username) gets a page that names
 * nothing; the holder of the right code sees their invitation and its state.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  decline,
  register,
  RegistrationRefused,
  viewInvitation,
  type InvitationView,
  type SystemCtx,
} from '../../domain/registration.js';
import { escapeHtml as esc } from '../../delivery/html.js';
import type { ApiError } from '../../contract/errors.js';
import type { InvitationForm, InvitationQuery } from './schemas.js';

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
export function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  const html = quality(accept, 'text/html');
  return html > 0 && html >= quality(accept, 'application/json');
}

/** The link described for apps (the answer before there was a page). */
export function invitationJson(networkId: string, q: InvitationQuery) {
  return {
    networkId,
    username: q.username ?? null,
    inviteCode: q.inviteCode ?? null,
    register: {
      method: 'POST',
      path: `/client/v1/networks/${networkId}/register`,
      body: { username: '...', inviteCode: '...', deviceName: '...', platform: '...' },
    },
  };
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

function send(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex">` +
    `<link rel="icon" href="data:,"><title>${esc(title)}</title>` +
    `<style nonce="${nonce}">${STYLE}</style></head><body><main>${body}</main>` +
    `<script nonce="${nonce}">${SCRIPT}</script></body></html>`;
  return reply
    .code(status)
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    )
    .header('Referrer-Policy', 'no-referrer') // the URL carries the invite code
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(html);
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

function form(v: InvitationView, code: string, message?: string): string {
  return (
    `<h1>Join ${esc(v.networkName ?? '')} on Wickr</h1>` +
    status('ok', 'Your invitation is valid.') +
    (message ? status('bad', esc(message)) : '') +
    details(v) +
    `<form method="post">` +
    `<input type="hidden" name="username" value="${esc(v.username ?? '')}">` +
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

async function view(
  ctx: SystemCtx,
  req: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  q: InvitationQuery,
): Promise<FastifyReply> {
  if (!q.username || !q.inviteCode) {
    req.inviteeOutcome = 'page: incomplete link';
    return send(reply, 400, 'Invitation not valid', INVALID_PAGE);
  }
  const v = await viewInvitation(ctx, networkId, {
    username: q.username,
    inviteCode: q.inviteCode,
  });
  req.inviteeOutcome = `page: ${v.reason ?? v.state}`;
  if (v.state === 'valid') return send(reply, 200, 'Your Wickr invitation', form(v, q.inviteCode));
  const [code, title, body] = statePage(v);
  return send(reply, code, title, body);
}

/** Register or Decline from the page's form, answered with a page. */
export async function invitationFormPost(
  ctx: SystemCtx,
  req: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  f: InvitationForm,
): Promise<FastifyReply> {
  const who = { username: f.username, inviteCode: f.inviteCode };
  try {
    if (f.action === 'decline') {
      const r = await decline(ctx, networkId, who);
      req.inviteeOutcome = `page: declined by user ${r.userId}`;
      return send(
        reply,
        200,
        'Invitation declined',
        `<h1>You declined the invitation</h1>` +
          status('info', 'Your invite code no longer works.') +
          `<p>Your administrator sees that you declined. If this was a mistake, ask them to invite you again.</p>`,
      );
    }
    const deviceName = f.deviceName?.trim();
    if (!deviceName) {
      const v = await viewInvitation(ctx, networkId, who);
      req.inviteeOutcome = 'page: no device name';
      if (v.state !== 'valid') return send(reply, ...statePage(v));
      return send(
        reply,
        400,
        'Your Wickr invitation',
        form(v, f.inviteCode, 'Enter a name for this device.'),
      );
    }
    const platform = f.platform?.trim() || 'Web';
    const r = await register(ctx, networkId, { ...who, deviceName, platform });
    req.inviteeOutcome = `page: registered user ${r.userId}`;
    return send(
      reply,
      200,
      'You are registered',
      `<h1>You are registered</h1>` +
        status('ok', `Welcome, ${esc(f.username)}. Your account is now active.`) +
        `<dl><dt>Username</dt><dd>${esc(f.username)}</dd><dt>Device</dt><dd>${esc(deviceName)} (${esc(platform)})</dd></dl>` +
        `<p>What happens next:</p><ol>` +
        `<li>Install the Wickr app on your device, if it is not installed yet.</li>` +
        `<li>Sign in with your username, <strong>${esc(f.username)}</strong>.</li>` +
        `<li>Your administrator now sees you as active; your invite code cannot be used again.</li>` +
        `</ol>`,
    );
  } catch (e) {
    if (!(e instanceof RegistrationRefused)) throw e;
    req.inviteeOutcome = `page: refused: ${e.refusal}`;
    // The same page the link shows in that state (a refused code shows nothing of the user).
    const v = await viewAfterRefusal(ctx, networkId, who, e);
    return send(reply, ...statePage(v));
  }
}

/**
 * The state page after a refused form. Only a refusal that the right code earns (expired,
 * used, ...) shows the invitation, read again without counting another failure.
 */
async function viewAfterRefusal(
  ctx: SystemCtx,
  networkId: string,
  who: { username: string; inviteCode: string },
  e: RegistrationRefused,
): Promise<InvitationView> {
  if (e.refusal === 'invalid' || e.refusal === 'locked') return { state: 'invalid', networkId };
  return viewInvitation(ctx, networkId, who);
}

export const invitationPage = {
  view,
  /** A refusal before the handler ran (bad link, rate limit), as a page. */
  error(reply: FastifyReply, e: ApiError): FastifyReply {
    for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
    const body =
      e.errorName === 'RateLimitError'
        ? `<h1>Too many attempts</h1>${status('bad', esc(e.message))}<p>Wait a moment, then open the link again.</p>`
        : e.status >= 500
          ? `<h1>Something went wrong</h1>${status('bad', esc(e.message))}`
          : `<h1>This invitation link is not valid</h1>${status('bad', esc(e.message))}` +
            `<p>Open the whole link from your invitation e-mail.</p>`;
    return send(reply, e.status, 'Invitation', body);
  },
};
