// SigV4 verification against requests signed by botocore itself (the machine's python3).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  deriveSigningKey,
  parseAuthorization,
  verifySignature,
  type SignedRequest,
} from '../src/auth/sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** Signs with botocore's SigV4Auth and returns what went on the wire. */
function botocoreSign(method: string, url: string, body: string, region = 'us-east-1') {
  const script = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.loads(sys.argv[1])
req = AWSRequest(method=a['method'], url=a['url'], data=a['body'].encode('utf-8'),
                 headers={'Content-Type': 'application/json'})
SigV4Auth(Credentials('AKIDEXAMPLE', a['secret']), 'wickr', a['region']).add_auth(req)
p = req.prepare()
print(json.dumps({'url': p.url, 'headers': dict(p.headers)}))
`;
  const out = execFileSync('python3', [
    '-c',
    script,
    JSON.stringify({ method, url: `http://127.0.0.1:9425${url}`, body, secret: SECRET, region }),
  ]).toString();
  const signed = JSON.parse(out) as { url: string; headers: Record<string, string> };
  const u = new URL(signed.url);
  const headers: Record<string, string> = { host: u.host };
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  const req: SignedRequest = {
    method,
    url: signed.url.slice(signed.url.indexOf('/', 'http://'.length)),
    headers,
    body: Buffer.from(body),
  };
  return req;
}

function verify(req: SignedRequest, secret = SECRET) {
  const parsed = parseAuthorization(req, Date.now());
  verifySignature(req, parsed, deriveSigningKey(secret, parsed.date, parsed.region));
  return parsed;
}

describe('SigV4 verification of botocore-signed requests', () => {
  it('accepts a JSON POST', () => {
    const req = botocoreSign('POST', '/networks', '{"networkName":"a","accessLevel":"STANDARD"}');
    expect(verify(req).accessKeyId).toBe('AKIDEXAMPLE');
  });

  it('accepts query strings with characters that need encoding', () => {
    const req = botocoreSign(
      'GET',
      '/networks/12345678/users?username=a%20b%2Bc%40d.e&sortFields=username%2BfirstName&maxResults=5',
      '',
    );
    expect(() => verify(req)).not.toThrow();
  });

  it('accepts encoded path labels and a non-ASCII body', () => {
    const req = botocoreSign(
      'PATCH',
      '/networks/12345678/guest-users/a%2Fb%20c',
      '{"block":true,"x":"é✓"}',
    );
    expect(() => verify(req)).not.toThrow();
  });

  it('uses the region of the credential scope', () => {
    const req = botocoreSign('GET', '/networks', '', 'eu-west-2');
    expect(verify(req).region).toBe('eu-west-2');
  });

  it('rejects a wrong secret, a changed body and a changed query', () => {
    const req = botocoreSign('POST', '/networks?x=1', '{"a":1}');
    expect(() => verify(req, 'other-secret')).toThrow(/signature/i);
    expect(() => verify({ ...req, body: Buffer.from('{"a":2}') })).toThrow(/signature/i);
    expect(() => verify({ ...req, url: '/networks?x=2' })).toThrow(/signature/i);
  });

  it('rejects a request signed more than 15 minutes ago', () => {
    const req = botocoreSign('GET', '/networks', '');
    const parsed = () => parseAuthorization(req, Date.now() + 16 * 60 * 1000);
    expect(parsed).toThrow(/15 minutes/);
  });
});
