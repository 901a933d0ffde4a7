/**
 * The SMTP transport the delivery worker sends through: nodemailer's, pooled by default, on
 * sockets with Nagle's algorithm off.
 *
 * Why the sockets are opened here: nodemailer writes each SMTP command as a small packet and
 * waits for the reply, and its sockets keep Node's default (Nagle on). Against a receiver
 * that delays its ACKs, every message then stalls for about 40 ms: 8 pooled connections sent
 * about 150 e-mails a second on loopback, and about 750 with `setNoDelay` (measured with the
 * bench's receiver). nodemailer offers no option for it, only `getSocket` (meant for proxies),
 * which hands it an opened socket; TLS (smtps, STARTTLS) is still nodemailer's, on top.
 */
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** How long opening a connection may take (nodemailer's own default is 2 minutes). */
const CONNECT_TIMEOUT_MS = 30_000;

/** The SMTP URL with pooling on (unless the URL says otherwise). */
export function pooledUrl(smtpUrl: string, connections: number): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (!url.searchParams.has('maxConnections')) {
    url.searchParams.set('maxConnections', String(connections));
  }
  // Keep connections for many messages instead of reconnecting every 100.
  if (!url.searchParams.has('maxMessages')) url.searchParams.set('maxMessages', '100000');
  return url.toString();
}

interface SocketTarget {
  host?: string | undefined;
  port?: number | undefined;
  secure?: boolean | undefined;
  localAddress?: string | undefined;
}

/** nodemailer's `getSocket`: a connected TCP socket with Nagle off, or the connect error. */
function openSocket(
  options: SocketTarget,
  callback: (err: Error | null, socketOptions?: { connection: net.Socket }) => void,
): void {
  const socket = net.connect({
    host: options.host ?? 'localhost',
    port: options.port ?? (options.secure ? 465 : 587),
    noDelay: true,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  const fail = (err: Error) => {
    socket.destroy();
    callback(err);
  };
  socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
    fail(Object.assign(new Error('SMTP connection timeout'), { code: 'ETIMEDOUT' })),
  );
  socket.once('error', fail);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.off('error', fail);
    socket.setKeepAlive(true);
    callback(null, { connection: socket });
  });
}

/** A transport for `smtpUrl` (nodemailer's URL syntax), pooled over `connections` unless the URL says `pool=false`. */
export function createSmtpTransport(smtpUrl: string, connections: number): Transporter {
  const url = pooledUrl(smtpUrl, connections);
  const pooled = new URL(url).searchParams.get('pool') !== 'false';
  const transport = pooled
    ? new SMTPPool({ pool: true, url, getSocket: openSocket })
    : new SMTPTransport({ url, getSocket: openSocket });
  return nodemailer.createTransport(transport);
}
