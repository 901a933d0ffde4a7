// Calls to an identity provider or an OpenTDF platform end by their deadline even when the
// peer answers a byte at a time for ever (which resets any inactivity timer): the OpenID
// discovery and token requests, and the OpenTDF platform's configuration.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsGrant, discover } from '../src/integrations/oidc-client.js';
import { testConnection } from '../src/integrations/opentdf-client.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: base, token_endpoint: `${base}/token` }));
      return;
    }
    // Everything else: headers at once, then a space every 200 ms.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const trickle = setInterval(() => res.write(' '), 200);
    req.socket.on('close', () => clearInterval(trickle));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('outbound deadlines', () => {
  it('a trickling OpenTDF platform or token endpoint fails the call after 10 seconds', async () => {
    const opentdf = testConnection(
      { platformUrl: new URL(base), clientId: 'wickr', clientSecret: 'secret' },
      () => true,
    );
    const token = discover(new URL(base), 'wickr', 'secret', undefined).then((found) =>
      clientCredentialsGrant(found.config),
    );
    await Promise.all([
      expect(opentdf).rejects.toThrow(
        /OpenTDF platform's configuration at .* could not be used: no answer within 10 seconds/,
      ),
      expect(token).rejects.toThrow(/no answer within 10 seconds/),
    ]);
  }, 60_000);
});
