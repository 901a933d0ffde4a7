/**
 * The invitee protocol: the unsigned endpoints under /client/v1/networks/{networkId}/ that
 * people, their apps and bots call. restJson1's routing and binding (a body may also be a
 * form), no authentication (but for a federated network's guest report, signed with SigV4),
 * and its own refusals: a request whose input is not valid is a BadRequestError whose message
 * names the members (as these endpoints have always answered).
 *
 * The invitation link and its form answer a browser with pages (./page.ts): `GET .../invitation`
 * runs ViewInvitation for a browser and DescribeInvitationLink for an app; the page's form,
 * `POST .../invitation`, runs Register or Decline (its `action` field) and answers with a page.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { schemesOf, type OperationSpec } from '../../contract/dsl.js';
import { ApiError, badRequest } from '../../contract/errors.js';
import {
  Decline,
  DescribeInvitationLink,
  Register,
  ViewInvitation,
} from '../../contract/extensions/invitee.js';
import type { InvitationView } from '../../domain/registration.js';
import type { Answer, Entry, PipelineRequest } from '../../pipeline/entry.js';
import { NUL_REASON } from '../../pipeline/validate.js';
import type { Compile, Protocol, Route } from '../../protocol/adapter.js';
import { binderFor, parseBody } from '../../protocol/binding.js';
import { awsError, jsonAnswer } from '../../protocol/rest-json.js';
import { InvitationRefused } from './operations.js';
import {
  declinedPage,
  deviceNamePage,
  invitationPage,
  refusalPage,
  registeredPage,
  wantsHtml,
} from './page.js';

/** A body: a form (the invitation page's) or JSON, whatever the declared type. */
function inviteeBody(raw: Buffer | undefined, req: { headers: IncomingHttpHeaders }) {
  if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
    return Object.fromEntries(new URLSearchParams(raw?.toString('utf8') ?? ''));
  }
  return parseBody(raw);
}

/** A refusal as these endpoints give it: invalid input is a BadRequestError naming members. */
export function inviteeRefusal(e: ApiError): ApiError {
  if (e.errorName !== 'ValidationError') return e;
  const reasons = e.reasons ?? [];
  if (reasons.some((r) => r.field === 'networkId')) {
    return badRequest('The network ID must be 8 digits.');
  }
  const missing: string[] = [];
  const problems: string[] = [];
  for (const { field, reason } of reasons) {
    if (
      reason === 'is required' ||
      reason === 'must be a string' ||
      reason === 'must be at least 1 character long'
    ) {
      if (!missing.includes(field)) missing.push(field);
    } else if (reason === NUL_REASON) {
      problems.push(`${field} must not contain the NUL character (\\u0000).`);
    } else if (reason.startsWith('must match the pattern')) {
      problems.push(`${field} has a value that is not accepted.`);
    } else problems.push(`${field} ${reason}.`);
  }
  if (missing.length > 0) {
    problems.unshift(`The request needs the string members ${missing.join(', ')}.`);
  }
  return new ApiError('BadRequestError', [...new Set(problems)].join(' '), reasons);
}

/** Refusals before any operation ran (its pipeline translates its own). */
const jsonRefusal = (e: ApiError) => awsError(inviteeRefusal(e));

/** A page for a browser, the API's JSON error for anything else. */
function pageRefusal(e: ApiError, req: PipelineRequest): Answer {
  if (!wantsHtml(req.headers)) return jsonRefusal(e);
  const view: InvitationView | undefined = e instanceof InvitationRefused ? e.view : undefined;
  return refusalPage(inviteeRefusal(e), view);
}

const entry = (spec: OperationSpec, over: Partial<Entry> = {}): Entry => ({
  scheme: 'none',
  source: 'invitee',
  bind: binderFor(spec, inviteeBody),
  respond: (_output, written) => jsonAnswer(written()),
  translate: inviteeRefusal,
  refuse: awsError,
  ...over,
});

/** The form's fields as the operation's input: trimmed, an empty field absent. */
function formInput(req: PipelineRequest, members: readonly string[]): Record<string, unknown> {
  const f = inviteeBody(req.body, req);
  const input: Record<string, unknown> = { networkId: req.params['networkId'] };
  for (const m of members) {
    const v = f[m];
    if (typeof v !== 'string') continue;
    const value = m === 'deviceName' || m === 'platform' ? v.trim() : v;
    if (value !== '') input[m] = value;
  }
  // A platform the script did not fill in.
  if (members.includes('platform')) input['platform'] ??= 'Web';
  return input;
}

const field = (input: Record<string, unknown> | undefined, name: string) =>
  typeof input?.[name] === 'string' ? input[name] : '';

export function inviteeProtocol(specs: readonly OperationSpec[]): Protocol {
  return {
    name: 'invitee',
    routes(compile: Compile): Route[] {
      const invitee = specs.filter((s) => s.protocol === 'invitee');
      const routes: Route[] = [];
      for (const spec of invitee) {
        if (spec.name === ViewInvitation.name || spec.name === DescribeInvitationLink.name)
          continue;
        // An endpoint that takes a signature (a federated network's report) is signed.
        const signed = !schemesOf(spec).includes('none');
        const op = compile(spec, entry(spec, signed ? { scheme: schemesOf(spec)[0]! } : {}));
        routes.push({ method: spec.method, path: spec.path, pick: () => op, refuse: jsonRefusal });
      }

      // The link: a page for a browser, a description for an app.
      const view = compile(
        ViewInvitation,
        entry(ViewInvitation, {
          respond: (output, _written, _req, input) =>
            invitationPage(output as InvitationView, field(input, 'inviteCode')),
          refuse: pageRefusal,
        }),
      );
      const describe = compile(DescribeInvitationLink, entry(DescribeInvitationLink));
      routes.push({
        method: 'GET',
        path: ViewInvitation.path,
        pick: (req) => (wantsHtml(req.headers) ? view : describe),
        refuse: pageRefusal,
      });

      // The page's form: Register or Decline, answered with a page.
      const form = {
        register: compile(
          Register,
          entry(Register, {
            bind: (req) => formInput(req, ['username', 'inviteCode', 'deviceName', 'platform']),
            respond: (_output, _written, _req, input) =>
              registeredPage(
                field(input, 'username'),
                field(input, 'deviceName'),
                field(input, 'platform'),
              ),
            refuse: (e, req) => {
              // No device name yet: asked for, before any code is checked.
              if (
                wantsHtml(req.headers) &&
                e.status === 400 &&
                e.reasons?.some((r) => r.field === 'deviceName')
              ) {
                const f = inviteeBody(req.body, req);
                return deviceNamePage(field(f, 'username'), field(f, 'inviteCode'));
              }
              return pageRefusal(e, req);
            },
          }),
        ),
        decline: compile(
          Decline,
          entry(Decline, {
            bind: (req) => formInput(req, ['username', 'inviteCode']),
            respond: () => declinedPage(),
            refuse: pageRefusal,
          }),
        ),
      };
      routes.push({
        method: 'POST',
        path: ViewInvitation.path,
        pick: (req) => {
          let action: unknown;
          try {
            action = inviteeBody(req.body, req)['action'];
          } catch (e) {
            return e instanceof ApiError ? e : badRequest('The form could not be read.');
          }
          return action === 'register' || action === 'decline'
            ? form[action]
            : badRequest('The form has an action that is not accepted (register or decline).');
        },
        refuse: pageRefusal,
      });
      return routes;
    },
  };
}
