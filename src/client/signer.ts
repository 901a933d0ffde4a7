/**
 * SigV4 request signing (header form) for the client. The canonical request and the signature
 * are computed by the same functions the server's verifier uses (src/auth/sigv4.ts), so the
 * client and the server cannot drift apart; botocore-signed requests test that code.
 */
import {
  ALGORITHM,
  SERVICE,
  canonicalRequest,
  deriveSigningKey,
  formatAmzDate,
  signatureOf,
} from '../auth/sigv4.js';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigningParams {
  method: string;
  /** Path and query exactly as they will be sent (already percent-encoded). */
  url: string;
  /** `host[:port]` as the HTTP client will send it. */
  host: string;
  /** Further headers to send and sign (e.g. content-type, x-client-token). */
  headers?: Record<string, string>;
  body: string | Buffer;
  credentials: SigningCredentials;
  region: string;
  now?: number;
}

/**
 * A signer for one key and region. It keeps the last derived signing key (one per day), so
 * signing thousands of requests up front (the benchmark) costs one HMAC chain, not thousands.
 */
export class Signer {
  private keyDate = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(
    readonly credentials: SigningCredentials,
    readonly region: string,
    /** The service signed for: `wickr`, or `cloudtrail` for LookupEvents. */
    readonly service: string = SERVICE,
  ) {}

  /**
   * Returns every header to send, lowercased, including `host`, `x-amz-date` and
   * `authorization`. Every header given is signed.
   */
  sign(p: Omit<SigningParams, 'credentials' | 'region'>): Record<string, string> {
    const amzDate = formatAmzDate(p.now ?? Date.now());
    const date = amzDate.slice(0, 8);
    if (date !== this.keyDate) {
      this.key = deriveSigningKey(
        this.credentials.secretAccessKey,
        date,
        this.region,
        this.service,
      );
      this.keyDate = date;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = v;
    headers['host'] = p.host;
    headers['x-amz-date'] = amzDate;
    const body = typeof p.body === 'string' ? Buffer.from(p.body) : p.body;
    const signedHeaders = Object.keys(headers).sort();
    const scope = `${date}/${this.region}/${this.service}/aws4_request`;
    const signature = signatureOf(
      this.key,
      amzDate,
      scope,
      canonicalRequest({ method: p.method, url: p.url, headers, body }, signedHeaders),
    ).toString('hex');
    headers['authorization'] =
      `${ALGORITHM} Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
    return headers;
  }
}

/** Signs one request; see Signer.sign. */
export function signRequest(p: SigningParams): Record<string, string> {
  return new Signer(p.credentials, p.region).sign(p);
}
