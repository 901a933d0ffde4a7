/**
 * The SMTP transport the delivery worker sends through: nodemailer's pool, on sockets opened
 * here, with a deadline on every step of a send and on the send as a whole.
 *
 * Why the sockets are opened here: nodemailer writes each SMTP command as a small packet and
 * waits for the reply, and its sockets keep Node's default (Nagle on). Against a receiver
 * that delays its ACKs, every message then stalls for about 40 ms: 8 pooled connections sent
 * about 150 e-mails a second on loopback, and about 750 with `setNoDelay` (measured with the
 * bench's receiver). nodemailer offers no option for it, only `getSocket` (meant for proxies),
 * which hands it a socket; TLS (smtps, STARTTLS) is still nodemailer's, on top. Knowing every
 * socket also lets `abort` end the sends in flight.
 *
 * The socket is handed over at once, still connecting, so that nodemailer's own error handling
 * sees a refused or failed connection. Reporting the failure through getSocket's callback
 * instead leaves nodemailer 7's pool with a slot that never frees: after `maxConnections`
 * refused connections no message was sent again and `sendMail` promises never settled.
 *
 * Deadlines: opening a connection, the greeting and each reply get half of the send's
 * deadline (nodemailer's `connectionTimeout`, `greetingTimeout`, `socketTimeout`; the URL may
 * set them), and the whole send gets the deadline itself: a peer that trickles its replies
 * forever resets no inactivity timer. A send past its deadline ends every connection of the
 * pool, since which connection carries it is nodemailer's secret; the sends on them fail too.
 */
import net from 'node:net';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** The deadline of one message's send, unless the caller gives one. */
export const DEFAULT_SEND_TIMEOUT_MS = 60_000;

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

/** A send that did not end within its deadline (the peer stopped answering, or trickles). */
export class SendTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** Why a send failed, in the terms the delivery worker acts on. */
export interface SendFailure {
  /** The server refused this message (a 5xx reply to its envelope or data): do not retry. */
  permanent: boolean;
  /**
   * The failure concerns the server, not the message (no connection, no greeting, a timeout,
   * a dropped connection, a refused login): the other messages waiting would fail the same way.
   */
  serverDown: boolean;
  /** The error with the server's reply, e.g. "Recipient command failed: 451 4.7.1 Try later". */
  reply: string;
}

/** Classifies a send's error (nodemailer's: `code`, `responseCode`, `command`). */
export function sendFailure(err: unknown): SendFailure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const reply = typeof e.message === 'string' ? e.message : String(err);
  // EENVELOPE and EMESSAGE are replies to MAIL FROM, RCPT TO and DATA: about this message.
  const aboutMessage = e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
  const status = typeof e.responseCode === 'number' ? e.responseCode : 0;
  return {
    permanent: aboutMessage && status >= 500 && status < 600,
    serverDown: !aboutMessage,
    reply,
  };
}

interface SocketTarget {
  host?: string | undefined;
  port?: number | undefined;
  secure?: boolean | undefined;
  localAddress?: string | undefined;
  connectionTimeout?: number | undefined;
}

/** One pool and the sockets it was given; replaced as a whole by an abort. */
interface Generation {
  transporter: Transporter;
  sockets: Set<net.Socket>;
  /** Sends in flight: each one's way to end it with an error. */
  inFlight: Set<(err: Error) => void>;
}

/** nodemailer's `getSocket`: a socket with Nagle off, handed over while it connects. */
function socketOpener(sockets: Set<net.Socket>, connectMs: number) {
  return (
    options: SocketTarget,
    callback: (err: Error | null, socketOptions?: { connection: net.Socket }) => void,
  ): void => {
    const socket = net.connect({
      host: options.host ?? 'localhost',
      port: options.port ?? (options.secure ? 465 : 587),
      noDelay: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    sockets.add(socket);
    // nodemailer listens for errors from the moment it takes the socket; this one only keeps
    // an error in between (or after nodemailer let go) from ending the process.
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      const err = new Error(
        `SMTP connection timeout (${options.connectionTimeout ?? connectMs} ms)`,
      );
      socket.destroy(Object.assign(err, { code: 'ETIMEDOUT' }));
    }, options.connectionTimeout ?? connectMs);
    timer.unref();
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setKeepAlive(true);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
    callback(null, { connection: socket });
  };
}

/** Sends mail over `smtpUrl` (nodemailer's URL syntax), pooled unless the URL says `pool=false`. */
export class SmtpTransport {
  private generation: Generation;
  private closed = false;
  /** Sends the pool carries at once (its `maxConnections`). */
  readonly concurrency: number;

  constructor(
    private readonly smtpUrl: string,
    connections: number,
    private readonly sendTimeoutMs: number = DEFAULT_SEND_TIMEOUT_MS,
  ) {
    const url = new URL(pooledUrl(smtpUrl, connections));
    this.concurrency = Math.max(1, Number(url.searchParams.get('maxConnections')) || connections);
    this.generation = this.open();
  }

  private open(): Generation {
    const url = pooledUrl(this.smtpUrl, this.concurrency);
    const sockets = new Set<net.Socket>();
    const step = Math.max(1, Math.floor(this.sendTimeoutMs / 2));
    // The URL's own values win over these (nodemailer merges the URL's options last).
    const options = {
      url,
      getSocket: socketOpener(sockets, step),
      connectionTimeout: step,
      greetingTimeout: step,
      socketTimeout: step,
      dnsTimeout: step,
    };
    const pooled = new URL(url).searchParams.get('pool') !== 'false';
    const transport = pooled
      ? new SMTPPool({ pool: true, ...options })
      : new SMTPTransport(options);
    return { transporter: nodemailer.createTransport(transport), sockets, inFlight: new Set() };
  }

  /**
   * Sends one message; rejects with nodemailer's error, a SendTimeoutError past the deadline,
   * or the error given to `abort`.
   */
  send(mail: SendMailOptions): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the SMTP transport is closed'));
    const generation = this.generation;
    return new Promise<void>((resolve, reject) => {
      const end = (err?: Error) => {
        if (!generation.inFlight.delete(end)) return;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      generation.inFlight.add(end);
      const timer = setTimeout(() => {
        this.end(
          generation,
          new SendTimeoutError(`no answer from the SMTP server within ${this.sendTimeoutMs} ms`),
        );
      }, this.sendTimeoutMs);
      timer.unref();
      generation.transporter.sendMail(mail).then(
        () => end(),
        (err: unknown) => end(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /** Ends every send in flight at once with `err` (their connections closed); later sends use new ones. */
  abort(err: Error): void {
    if (this.generation.inFlight.size > 0) this.end(this.generation, err);
  }

  /** Ends the sends in flight with an error and closes every connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.end(this.generation, new Error('the SMTP transport was closed'));
  }

  private end(generation: Generation, err: Error): void {
    if (generation === this.generation && !this.closed) this.generation = this.open();
    for (const end of [...generation.inFlight]) end(err);
    generation.transporter.close();
    for (const socket of generation.sockets) socket.destroy();
  }
}
