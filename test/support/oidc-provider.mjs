// A real OpenID provider (oidc-provider) on loopback for the SSO tests.
//
// Prints one JSON line {issuer, clientId, clientSecret, redirectUri, pid} on stdout, then runs
// until SIGTERM. One confidential client (client_secret_basic, authorization_code +
// refresh_token, PKCE accepted). Test-only routes under /__test/:
//   POST /__test/code {redirectUri?, codeChallenge?, scope?, accountId?} -> {code}
//       mints a real authorization code (Grant + AuthorizationCode saved in the provider), as
//       the provider's own authorization endpoint would after a sign-in and consent; the token
//       exchange then goes through the provider's real token endpoint.
//   GET /__test/mismatch/.well-known/openid-configuration  -> metadata naming another issuer
//   GET /__test/notjson/.well-known/openid-configuration   -> an HTML page
// Environment: OIDC_TLS_CERT and OIDC_TLS_KEY (PEM files) serve https instead of http.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import Provider from 'oidc-provider';

const CLIENT_ID = 'wickr-sso-test';
const CLIENT_SECRET = 'wickr-sso-test-secret-0123456789';
const REDIRECT_URI = 'http://127.0.0.1/sso/callback';

const tls = process.env.OIDC_TLS_CERT
  ? { cert: readFileSync(process.env.OIDC_TLS_CERT), key: readFileSync(process.env.OIDC_TLS_KEY) }
  : undefined;

let handler = (_req, res) => res.writeHead(503).end();
const server = tls
  ? https.createServer(tls, (req, res) => handler(req, res))
  : http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, email: `${sub}@example.com`, email_verified: true }),
  }),
  features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
  pkce: { required: () => false },
  cookies: { keys: ['wickr-sso-test-cookie-key'] },
  ttl: {
    Grant: 3600,
    AuthorizationCode: 600,
    AccessToken: 3600,
    IdToken: 3600,
    RefreshToken: 86400,
  },
});
// stdout carries only the JSON line; the provider's notices go to stderr.
console.log = console.info = (...args) => console.error(...args);
const callback = provider.callback();

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : {};
}

async function mintCode(body) {
  const client = await provider.Client.find(CLIENT_ID);
  const accountId = body.accountId || 'alice';
  const scope = body.scope || 'openid email offline_access';
  const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId,
    grantId,
    client,
    scope,
    redirectUri: body.redirectUri || REDIRECT_URI,
    ...(body.codeChallenge
      ? { codeChallenge: body.codeChallenge, codeChallengeMethod: 'S256' }
      : {}),
  });
  return code.save();
}

handler = async (req, res) => {
  try {
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path === '/__test/code') {
      return json(res, 200, { code: await mintCode(await readJson(req)) });
    }
    if (path === '/__test/mismatch/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: `${issuer}/somebody-else`,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
      });
    }
    if (path === '/__test/notjson/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Not here</body></html>');
      return undefined;
    }
    return callback(req, res);
  } catch (e) {
    return json(res, 500, { error: String(e) });
  }
};

process.stdout.write(
  `${JSON.stringify({ issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI, pid: process.pid })}\n`,
);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
