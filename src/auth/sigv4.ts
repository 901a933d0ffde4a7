/**
 * AWS Signature Version 4 verification (header form).
 *
 * Written with node:crypto rather than a signing library: client signers (e.g.
 * @smithy/signature-v4) build a canonical request from their own request object, while a
 * verifier must rebuild it from the raw bytes a client sent (raw path, raw query, the exact
 * headers it chose to sign). The rules below follow the published algorithm and are tested
 * against requests signed by botocore.
 */
import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../contract/errors.js';

export const SERVICE = 'wickr';
export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received, e.g. `/networks?maxResults=5`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`: values without , = or space. */
const PLAIN_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^,=\s]+), ?SignedHeaders=([^,=\s]+), ?Signature=([^,=\s]+)$/;

/** Parses the Authorization header and request date, or throws UnauthorizedError saying why. */
export function parseAuthorization(
  req: SignedRequest,
  now: number,
  /** The service the credential must be scoped to (`cloudtrail` for LookupEvents). */
  expectedService: string = SERVICE,
): ParsedAuthorization {
  const auth = single(req.headers['authorization']);
  if (!auth) {
    throw unauthorized(
      'Missing authentication: the request has no AWS Signature Version 4 Authorization header.',
    );
  }
  if (!auth.startsWith(`${ALGORITHM} `)) {
    throw unauthorized(`Unsupported authorization algorithm: only ${ALGORITHM} is accepted.`);
  }
  // The form every SDK sends, read by one regular expression; any other goes field by field.
  const plain = PLAIN_AUTHORIZATION.exec(auth);
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  if (plain) [, credential, signedHeaders, signature] = plain;
  else {
    const fields = new Map<string, string>();
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    credential = fields.get('Credential');
    signedHeaders = fields.get('SignedHeaders');
    signature = fields.get('Signature');
  }
  if (!credential || !signedHeaders || !signature) {
    throw unauthorized(
      'Malformed Authorization header: it needs Credential, SignedHeaders and Signature.',
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw unauthorized(
      `Malformed credential scope "${credential}": expected <accessKeyId>/<date>/<region>/${expectedService}/aws4_request.`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  if (service !== expectedService) {
    throw unauthorized(
      `Credential should be scoped to the service "${expectedService}", not "${service}".`,
    );
  }
  const amzDate = single(req.headers['x-amz-date']) ?? '';
  const requestTime = parseAmzDate(amzDate);
  if (requestTime === undefined) {
    throw unauthorized('Missing or malformed X-Amz-Date header (expected YYYYMMDDTHHMMSSZ).');
  }
  if (amzDate.slice(0, 8) !== date) {
    throw unauthorized(
      `Credential scope date ${date} does not match the request date ${amzDate.slice(0, 8)}.`,
    );
  }
  if (Math.abs(now - requestTime) > MAX_SKEW_MS) {
    throw unauthorized(
      `Signature expired: the request date ${amzDate} is more than 15 minutes away from the server time ${formatAmzDate(now)}.`,
    );
  }
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host')) {
    throw unauthorized('The host header must be signed.');
  }
  return { accessKeyId, date, region, service, signedHeaders: headerNames, signature, amzDate };
}

/** Throws UnauthorizedError unless the signature matches the one computed with `secret`. */
export function verifySignature(
  req: SignedRequest,
  parsed: ParsedAuthorization,
  signingKey: Buffer,
): void {
  const expected = signatureOf(
    signingKey,
    parsed.amzDate,
    `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`,
    canonicalRequest(req, parsed.signedHeaders),
  );
  const given = HEX64.test(parsed.signature)
    ? Buffer.from(parsed.signature, 'hex')
    : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized(
      'The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.',
    );
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

export function deriveSigningKey(
  secret: string,
  date: string,
  region: string,
  service: string = SERVICE,
): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/**
 * The signature of a canonical request: HMAC of the string to sign under the derived key.
 * The verifier and the client signer (src/client/signer.ts) both compute it here.
 */
export function signatureOf(
  signingKey: Buffer,
  amzDate: string,
  scope: string,
  canonical: string,
): Buffer {
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  return createHmac('sha256', signingKey).update(stringToSign).digest();
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQuery = q === -1 ? '' : req.url.slice(q + 1);
  const headers = signedHeaders
    .map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`)
    .join('');
  return [
    req.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headers,
    signedHeaders.join(';'),
    sha256Hex(req.body),
  ].join('\n');
}

/** Canonical URIs of recent paths: the hot operations repeat theirs on every request. */
const canonicalUris = new Map<string, string>();

/** Non-S3 services encode the (already encoded) path once more, keeping '/'. */
function canonicalUri(rawPath: string): string {
  let uri = canonicalUris.get(rawPath);
  if (uri === undefined) {
    uri = encodePath(rawPath);
    if (rawPath.length <= 256) {
      if (canonicalUris.size >= 1000) canonicalUris.clear();
      canonicalUris.set(rawPath, uri);
    }
  }
  return uri;
}

function encodePath(rawPath: string): string {
  const path = removeDotSegments(rawPath || '/');
  return path
    .split('/')
    .map((seg) => rfc3986(seg))
    .join('/');
}

function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.') out.push(seg);
  }
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      return [rfc3986(safeDecode(key)), rfc3986(safeDecode(value))] as const;
    });
  pairs.sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0,
  );
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  // Most values have no space or control character at all: nothing to trim or fold.
  if (typeof value === 'string' && !SPACE.test(value)) return value;
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

const SPACE = /[\s]/;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Percent-encodes everything but RFC 3986 unreserved characters. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** crypto.hash (Node 20.12+): one call, no Hash object; createHash on older releases. */
const oneShot = (crypto as { hash?: (alg: string, data: string | Buffer, enc: 'hex') => string })
  .hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
