/**
 * The web console's pages: its built front end under /console/ (a Fastify plugin: static
 * files). Its JSON API under /console/api/ is operations, served by the HTTP adapter through
 * the console's protocol (./protocol.ts): sign-in turns an access key into a session cookie,
 * and every action then runs as that key through the same pipeline as a signed call.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../contract/errors.js';
import { sendError } from '../../protocol/http.js';

export interface ConsolePageOptions {
  /** The built front end; defaults to dist/console of this package. */
  assetsDir?: string;
}

/**
 * dist/console of this package: src/surfaces/console and dist/surfaces/console sit three
 * levels below the package, the bundle (dist/wickr-admin.mjs, scripts/bundle.mjs) beside it.
 */
const DEFAULT_ASSETS = fileURLToPath(
  import.meta.url.endsWith('/dist/wickr-admin.mjs')
    ? new URL('console/', import.meta.url)
    : new URL('../../../dist/console/', import.meta.url),
);

export async function consolePlugin(app: FastifyInstance, deps: ConsolePageOptions): Promise<void> {
  const assets = deps.assetsDir ?? DEFAULT_ASSETS;

  // The console's API is operations (./protocol.ts); any other path under it is unknown.
  app.all('/console/api/*', async (req, reply) =>
    sendError(
      reply,
      new ApiError(
        'ResourceNotFoundError',
        `No console endpoint matches ${req.method} ${req.url}.`,
      ),
    ),
  );

  // A browser at the root goes to the console; a signed API call to `/` still gets the
  // Admin API's own answer (ResourceNotFoundError), as before the console existed.
  app.get('/', async (req, reply) => {
    if (req.headers.authorization || /[?&]X-Amz-Signature=/i.test(req.url)) {
      return reply.callNotFound();
    }
    return reply.redirect('/console/', 302);
  });

  const headers = (reply: FastifyReply) =>
    reply
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      )
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');

  if (!existsSync(`${assets}/index.html`)) {
    // A checkout that was compiled with tsc alone: say how to get the pages.
    app.get('/console/*', async (_req, reply) =>
      headers(reply)
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` in the package.'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/console/',
    wildcard: false,
    index: false,
    // Ours is the only Cache-Control: with send's own on, it replaced ours with max-age=0.
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', assetCacheControl(path));
    },
  });
  // Every other path under /console/ is a page of the single-page app.
  const page = async (_req: FastifyRequest, reply: FastifyReply) =>
    headers(reply)
      .header('cache-control', 'no-cache')
      .sendFile('index.html', assets, { cacheControl: false });
  app.get('/console/', page);
  app.get('/console/*', page);
}

/** Vite's file names: `assets/<name>-<8-character content hash>.<ext>`. */
const HASHED_ASSET = /\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;

/**
 * A file whose name carries its content's hash never changes under that name: browsers keep it
 * a year without asking again. Anything else (the page, unhashed files) is revalidated each time.
 */
export function assetCacheControl(path: string): string {
  return HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}
