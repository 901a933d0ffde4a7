// The reference of the `lookup-minimal` scenario: the minimal real work of a
// BatchLookupUserUname on a bare node:http server, written by hand, depending on nothing of the
// project: read the body, JSON.parse it, verify its SigV4 signature in full (with a signing key
// derived once per day and region), resolve the unames in a Map of the network's members,
// build the answer and JSON.stringify it, one res.end(). No validation beyond what the work
// needs, no database, no logging, no metrics. It answers the benchmark's requests with the same
// bytes as the API server (the harness compares them), and its cost is the limit the server's
// figures are judged against. Usage: node lookup-minimal-server.mjs <config.json>, where the
// file holds {accessKeyId, secretAccessKey, networkId, members: [[uname, username], ...]};
// prints {"port": n} once listening.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const members = new Map(config.members);
const PATH = `/networks/${config.networkId}/users/uname-lookup`;
const MAX_SKEW_MS = 15 * 60 * 1000;

class Refusal extends Error {
  constructor(status, name, message) {
    super(message);
    this.status = status;
    this.name = name;
  }
}

// ---------- SigV4 (header form) ----------

const signingKeys = new Map();

function signingKey(date, region) {
  const k = `${date}/${region}`;
  let key = signingKeys.get(k);
  if (!key) {
    const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
    key = hmac(
      hmac(hmac(hmac(`AWS4${config.secretAccessKey}`, date), region), 'wickr'),
      'aws4_request',
    );
    signingKeys.set(k, key);
  }
  return key;
}

const rfc3986 = (s) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function canonicalQuery(raw) {
  if (!raw) return '';
  return raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const k = eq === -1 ? pair : pair.slice(0, eq);
      const v = eq === -1 ? '' : pair.slice(eq + 1);
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function verify(req, body) {
  const auth = req.headers.authorization;
  const unauthorized = (msg) => new Refusal(401, 'UnauthorizedError', msg);
  if (!auth?.startsWith('AWS4-HMAC-SHA256 ')) throw unauthorized('Missing authentication.');
  const fields = {};
  for (const part of auth.slice(17).split(',')) {
    const eq = part.indexOf('=');
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const scope = (fields.Credential ?? '').split('/');
  const [keyId, date, region, service, terminator] = scope;
  if (scope.length !== 5 || service !== 'wickr' || terminator !== 'aws4_request')
    throw unauthorized('Malformed credential scope.');
  if (keyId !== config.accessKeyId) throw unauthorized('Unknown access key.');
  const amzDate = req.headers['x-amz-date'] ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m || amzDate.slice(0, 8) !== date) throw unauthorized('Bad X-Amz-Date.');
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Math.abs(Date.now() - t) > MAX_SKEW_MS) throw unauthorized('Signature expired.');
  const signed = (fields.SignedHeaders ?? '').split(';');
  if (!signed.includes('host')) throw unauthorized('The host header must be signed.');
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const canonical = [
    req.method,
    path.split('/').map(rfc3986).join('/'),
    canonicalQuery(q === -1 ? '' : req.url.slice(q + 1)),
    signed
      .map(
        (h) =>
          `${h}:${String(req.headers[h] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}\n`,
      )
      .join(''),
    signed.join(';'),
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    `${date}/${region}/wickr/aws4_request`,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  const expected = createHmac('sha256', signingKey(date, region)).update(stringToSign).digest();
  const given = Buffer.from(fields.Signature ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw unauthorized('The request signature does not match.');
  return path;
}

// ---------- the operation ----------

function lookup(path, body) {
  if (path !== PATH) throw new Refusal(404, 'ResourceNotFoundError', 'No such network.');
  const input = JSON.parse(body);
  if (!Array.isArray(input?.unames) || input.unames.length > 50)
    throw new Refusal(400, 'ValidationError', 'unames must be a list of at most 50.');
  const successful = [];
  const failed = [];
  for (const uname of input.unames) {
    const username = members.get(String(uname).toLowerCase());
    if (username !== undefined) successful.push({ uname, username });
    else
      failed.push({
        uname,
        field: 'uname',
        reason: `No user or bot in network ${config.networkId} has this uname.`,
      });
  }
  const items = (n) => `${n} ${n === 1 ? 'item' : 'items'}`;
  return {
    message: `${items(successful.length)} resolved, ${failed.length} failed.`,
    successful,
    failed,
  };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let status = 200;
    let out;
    const headers = { 'x-amzn-requestid': randomUUID() };
    try {
      out = JSON.stringify(lookup(verify(req, body), body));
    } catch (e) {
      status = e.status ?? 400;
      headers['x-amzn-errortype'] = e.name;
      out = JSON.stringify({ message: e.message });
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(out);
    res.writeHead(status, headers);
    res.end(out);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
