// Raw SigV4-signed requests for tests that need any method, path or body (fuzzing, races):
// node:http sends what it is given and the answer comes back whole, whatever its status.
import http from 'node:http';
import { signRequest } from '../../src/client/signer.js';
import type { EmbeddedServer } from '../../src/index.js';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Sends one request, signed with the server's root key unless `sign` is false. */
export function signedRequest(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  method: string,
  path: string,
  body?: string | Buffer,
  /** `now`: the signature's time, for a server on a clock of its own (default: the real time). */
  options: { sign?: boolean; headers?: Record<string, string>; now?: number } = {},
): Promise<RawAnswer> {
  const url = new URL(server.endpoint);
  const data = body ?? '';
  const base: Record<string, string> = { ...(options.headers ?? {}) };
  if (data.length > 0) base['content-type'] ??= 'application/json';
  const headers =
    options.sign === false
      ? { ...base, host: url.host }
      : signRequest({
          method,
          url: path,
          host: url.host,
          headers: base,
          body: data,
          credentials: server.credentials,
          region: server.credentials.region,
          ...(options.now !== undefined ? { now: options.now } : {}),
        });
  if (data.length > 0) headers['content-length'] = String(Buffer.byteLength(data));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // A request the server never answers fails the test rather than hanging it.
    req.setTimeout(15_000, () =>
      req.destroy(new Error(`no answer to ${method} ${path.slice(0, 200)}`)),
    );
    req.end(data);
  });
}
