/**
 * The console's operations (contract/extensions/console.ts): their handlers, and the console's
 * authentication scheme for the pipeline (the session cookie and its CSRF token). Sign-in is
 * slowed by the sign-in lockout, which the pipeline's rate-limit step counts each attempt
 * against (per address and per access key) before the handler runs; the handler tells it of a
 * success, which clears the key's counter and takes back its own attempt from the address's.
 */
import type { Kysely } from 'kysely';
import type { KeyUse } from '../../auth/keys.js';
import { ApiError, forbidden, unauthorized } from '../../contract/errors.js';
import type { ExtensionName } from '../../contract/index.js';
import type { Handler } from '../../domain/context.js';
import { SIGN_IN_LIMITS } from '../../contract/extensions/console.js';
import { addressKey, memberKey } from '../../pipeline/limits.js';
import type { Authenticate } from '../../pipeline/pipeline.js';
import type { Database } from '../../store/schema.js';
import { cookieOf, setCookie } from './cookie.js';
import { invitationLinks, networkInfo } from './invitation-links.js';
import { networkOutbox } from './outbox.js';
import { csrfMatches, SessionStore, type Session } from './sessions.js';
import type { SharedLockout } from '../../pipeline/shared-limits.js';

const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleDeps {
  db: Kysely<Database>;
  now: () => number;
  /** The sign-in lockouts: per address, per access key. */
  guard: { address: SharedLockout; key: SharedLockout };
  /** WICKR_PUBLIC_URL is https: the cookie is Secure. */
  secure: boolean;
  /** Told of each key a session or a sign-in uses (its "last used"). */
  keyUse?: KeyUse;
  /** WICKR_SMTP_URL is set: invitation e-mails leave (else they wait in the outbox). */
  mailConfigured: boolean;
}

type ConsoleHandlers = {
  [
    N in Extract<
      ExtensionName,
      | 'SignIn'
      | 'GetConsoleSession'
      | 'SignOut'
      | 'ListOutboxMessages'
      | 'GetConsoleNetworkInfo'
      | 'RevealInvitationLinks'
    >
  ]: Handler<N>;
};

const sessionBody = (s: Session) => ({
  accessKeyId: s.principal.accessKeyId,
  accountId: s.principal.accountId,
  region: s.principal.region,
  actions: [...s.principal.actions],
  networks: s.principal.networks ? [...s.principal.networks] : null,
  csrfToken: s.csrfToken,
  expiresAt: new Date(s.expiresAt).toISOString(),
});

const NOT_SIGNED_IN = {
  none: 'You are not signed in.',
  expired: 'Your session has expired; sign in again.',
  revoked: 'The access key of this session has been revoked; the session has ended.',
};

export function consoleOperations(deps: ConsoleDeps): {
  handlers: ConsoleHandlers;
  authenticate: Authenticate;
} {
  const sessions = (db: Kysely<Database>) => new SessionStore(db, deps.now);
  const clear = setCookie('', 0, deps.secure);

  /** The session of the request's cookie, and its CSRF token required, or a refusal. */
  const authenticate: Authenticate = async (req) => {
    const token = cookieOf(req.headers.cookie);
    const found = token ? await sessions(deps.db).resolve(token) : undefined;
    if (!token || !found?.ok) {
      throw new ApiError(
        'UnauthorizedError',
        NOT_SIGNED_IN[found && !found.ok ? found.reason : 'none'],
        undefined,
        token ? { 'Set-Cookie': clear } : undefined,
      );
    }
    const given = req.headers[CSRF_HEADER];
    if (!csrfMatches(found.session.csrfToken, Array.isArray(given) ? given[0] : given)) {
      throw forbidden("The request lacks the session's CSRF token (header X-CSRF-Token).");
    }
    const s = found.session;
    deps.keyUse?.note(s.principal.accessKeyId);
    return { ...s.principal, session: { token, csrfToken: s.csrfToken, expiresAt: s.expiresAt } };
  };

  const handlers: ConsoleHandlers = {
    // Every sign-in is audited by the pipeline: a success in the transaction that creates its
    // session, a refusal on its own (never the secret).
    SignIn: async (ctx, input) => {
      const result = await sessions(ctx.db).verify(
        input.accessKeyId.trim(),
        input.secretAccessKey,
        input.region ?? 'us-east-1',
      );
      // A failure was counted when the attempt was admitted.
      if ('refused' in result) {
        throw unauthorized(
          result.refused === 'revoked'
            ? 'This access key has been revoked.'
            : 'The access key ID or the secret access key is wrong.',
        );
      }
      const [perAddress, perKey] = SIGN_IN_LIMITS;
      const keyCounter = memberKey(perKey.bucket, input, perKey.per.member);
      if (keyCounter) await deps.guard.key.clear(ctx.db, keyCounter);
      await deps.guard.address.refund(ctx.db, addressKey(perAddress.bucket, ctx.sourceIp));
      deps.keyUse?.note(result.principal.accessKeyId);
      const { token, session } = await sessions(ctx.db).create(result.principal);
      return {
        signedIn: true,
        ...sessionBody(session),
        sessionCookie: setCookie(
          token,
          Math.floor((session.expiresAt - deps.now()) / 1000),
          deps.secure,
        ),
      };
    },

    // The page asks on load whether it is signed in: "no" is an answer here, not an error.
    GetConsoleSession: async (ctx, input) => {
      const token = cookieOf(input.cookie);
      const found = token ? await sessions(ctx.db).resolve(token) : undefined;
      if (!found?.ok) {
        return {
          signedIn: false,
          message: NOT_SIGNED_IN[found ? found.reason : 'none'],
          ...(token ? { sessionCookie: clear } : {}),
        };
      }
      return { signedIn: true, ...sessionBody(found.session) };
    },

    SignOut: async (ctx) => {
      await sessions(ctx.db).end(ctx.principal.session!.token);
      return { sessionCookie: clear };
    },

    ListOutboxMessages: (ctx, input) => networkOutbox(ctx.db, input),

    GetConsoleNetworkInfo: async (ctx, input) =>
      networkInfo(ctx.services.config.publicUrl, deps.mailConfigured, input.networkId),

    RevealInvitationLinks: (ctx, input) =>
      invitationLinks(ctx.db, ctx.services.config.publicUrl, ctx.services.now(), input),
  };
  return { handlers, authenticate };
}
