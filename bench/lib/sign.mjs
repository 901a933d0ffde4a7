// SigV4 signing for benchmark requests, built from the server's own canonicalisation so a
// pre-signed request is byte-for-byte what the verifier recomputes (the suite checks the same
// code against botocore-signed requests).
import { createHmac } from 'node:crypto';
import {
  canonicalRequest,
  deriveSigningKey,
  formatAmzDate,
  sha256Hex,
} from '../../dist/auth/sigv4.js';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '000000000000';
export const CREDENTIALS = {
  accessKeyId: 'AKIABENCHMARK0000001',
  secretAccessKey: 'benchmark-secret-not-for-production-use-0001',
};

/**
 * Signs a request. `host` must be the Host header the load generator will send (autocannon
 * keeps a `host` given in headers as it is). Returns `{ method, path, headers, body }`.
 */
export function signRequest({ method, host, path, body = '', contentType, now = Date.now() }) {
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers = { host, 'x-amz-date': amzDate };
  if (bytes.length > 0 || contentType) headers['content-type'] = contentType ?? 'application/json';
  const signed = Object.keys(headers).sort();
  const canonical = canonicalRequest({ method, url: path, headers, body: bytes }, signed);
  const scope = `${date}/${REGION}/wickr/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = signingKey(date);
  const signature = createHmacHex(key, stringToSign);
  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return { method, path, headers, body: bytes };
}

const keys = new Map();
function signingKey(date) {
  let k = keys.get(date);
  if (!k) {
    k = deriveSigningKey(CREDENTIALS.secretAccessKey, date, REGION);
    keys.set(date, k);
  }
  return k;
}
const createHmacHex = (key, s) => createHmac('sha256', key).update(s).digest('hex');

/** Sends one signed request with fetch; resolves to { status, body (string), json }. */
export async function call(endpoint, method, path, payload) {
  const url = new URL(endpoint);
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const req = signRequest({ method, host: url.host, path, body });
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: req.headers,
    ...(body ? { body } : {}),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, json, headers: res.headers };
}

/** Like call(), but throws unless the answer is 2xx. */
export async function callOk(endpoint, method, path, payload) {
  const r = await call(endpoint, method, path, payload);
  if (r.status < 200 || r.status > 299) {
    throw new Error(`${method} ${path} answered ${r.status}: ${r.body.slice(0, 500)}`);
  }
  return r.json;
}
