// The delivery worker's SMTP transport opens its own sockets (Nagle off): plain, STARTTLS and
// implicit TLS must still work through them, pooled or not; a refused connection must surface
// as a send error (which the worker retries) however often it happens; and a peer that stops
// answering must not hold a send past its deadline.
import net from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpTransport, pooledUrl, sendFailure } from '../src/delivery/smtp.js';

interface Receiver {
  port: number;
  received: { to: string; secure: boolean; body: string }[];
  close: () => Promise<void>;
}

const open: Receiver[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function freePort(): Promise<number> {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  return port;
}

/** A TCP server speaking through `talk` on each connection; knows when all have closed. */
async function rawPeer(talk: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  let opened = 0;
  const server = net.createServer((socket) => {
    opened++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    talk(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async allClosed() {
      while (opened === 0 || sockets.size > 0) await new Promise((r) => setTimeout(r, 20));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and says nothing. */
const silentPeer = () => rawPeer(() => undefined);

/** Speaks SMTP until the message's data is in, then sends "250-" lines for ever, 10 a second. */
const tricklingPeer = () =>
  rawPeer((socket) => {
    socket.write('220 tarpit ESMTP\r\n');
    let data = false;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (data) {
          if (line !== '.') continue;
          data = false;
          const trickle = setInterval(() => socket.write('250-still thinking\r\n'), 100);
          socket.on('close', () => clearInterval(trickle));
        } else if (/^DATA/i.test(line)) {
          data = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });

async function receiver(options: SMTPServerOptions = {}, port = 0): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = new SMTPServer({
    disabledCommands: ['AUTH'],
    authOptional: true,
    logger: false,
    ...options,
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (c: Buffer) => (body += c.toString('utf8')));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo[0]?.address ?? '',
          secure: session.secure,
          body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const r = {
    port: (server.server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  open.push(r);
  return r;
}

const mail = (i: number) => ({
  from: 'wickr@example.com',
  to: `u${i}@example.com`,
  subject: 'Invitation',
  text: `hello ${i}`,
});

async function sendSome(url: string, count: number) {
  const transport = new SmtpTransport(url, 4);
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => transport.send(mail(i))));
  } finally {
    transport.close();
  }
}

describe('SMTP transport', () => {
  it('sends over plain SMTP, pooled', async () => {
    const r = await receiver({ disabledCommands: ['AUTH', 'STARTTLS'] });
    await sendSome(`smtp://127.0.0.1:${r.port}`, 20);
    expect(r.received.map((m) => m.to).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `u${i}@example.com`).sort(),
    );
    expect(r.received.every((m) => !m.secure)).toBe(true);
  });

  it('sends without a pool when the URL says pool=false', async () => {
    const r = await receiver({ disabledCommands: ['AUTH', 'STARTTLS'] });
    await sendSome(`smtp://127.0.0.1:${r.port}?pool=false`, 3);
    expect(r.received).toHaveLength(3);
  });

  it('upgrades with STARTTLS on its own socket', async () => {
    const r = await receiver();
    await sendSome(`smtp://127.0.0.1:${r.port}?requireTLS=true&tls.rejectUnauthorized=false`, 5);
    expect(r.received).toHaveLength(5);
    expect(r.received.every((m) => m.secure)).toBe(true);
  });

  it('speaks implicit TLS (smtps) on its own socket', async () => {
    const r = await receiver({ secure: true });
    await sendSome(`smtps://127.0.0.1:${r.port}?tls.rejectUnauthorized=false`, 5);
    expect(r.received).toHaveLength(5);
    expect(r.received.every((m) => m.secure && m.body.includes('hello'))).toBe(true);
  });

  it('reports a refused connection as a send error', async () => {
    await expect(sendSome(`smtp://127.0.0.1:${await freePort()}`, 1)).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('fails every send to a refused port, round after round, and sends once the server is back', async () => {
    // nodemailer's pool kept a slot for each connection that getSocket reported failed: after
    // maxConnections of them, sends were never attempted and their promises never settled.
    const port = await freePort();
    const transport = new SmtpTransport(`smtp://127.0.0.1:${port}`, 4);
    try {
      for (let round = 0; round < 6; round++) {
        const results = await Promise.allSettled([0, 1, 2].map((i) => transport.send(mail(i))));
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      }
      const r = await receiver({ disabledCommands: ['AUTH', 'STARTTLS'] }, port);
      await Promise.all([0, 1, 2].map((i) => transport.send(mail(i))));
      expect(r.received).toHaveLength(3);
    } finally {
      transport.close();
    }
  });

  it('gives up on a peer that accepts the connection but never greets', async () => {
    const peer = await silentPeer();
    const transport = new SmtpTransport(`smtp://127.0.0.1:${peer.port}`, 4, 400);
    try {
      const results = await Promise.allSettled([0, 1, 2].map((i) => transport.send(mail(i))));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        const failure = sendFailure((r as PromiseRejectedResult).reason);
        expect(failure).toMatchObject({ permanent: false, serverDown: true });
      }
      // The connections it gave up on are closed, not left to the peer.
      await peer.allClosed();
    } finally {
      transport.close();
      await peer.close();
    }
  });

  it('ends a send at its deadline when the peer trickles its reply for ever', async () => {
    // Every step's inactivity timer is reset by each trickled line: only the send's own
    // deadline ends it.
    const peer = await tricklingPeer();
    const transport = new SmtpTransport(`smtp://127.0.0.1:${peer.port}`, 4, 600);
    try {
      const sent = transport.send(mail(0));
      await expect(sent).rejects.toThrow(/no answer from the SMTP server within 600 ms/);
      await expect(sent).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      await peer.allClosed();
    } finally {
      transport.close();
      await peer.close();
    }
  });

  it('abort ends the sends in flight at once; later sends use new connections', async () => {
    let hold = true;
    const held: (() => void)[] = [];
    const r = await receiver({
      disabledCommands: ['AUTH', 'STARTTLS'],
      onRcptTo(_address, _session, callback) {
        if (hold) held.push(() => callback());
        else callback();
      },
    });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${r.port}`, 4, 60_000);
    try {
      const sends = [0, 1].map((i) => transport.send(mail(i)));
      while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      transport.abort(new Error('stopping'));
      const results = await Promise.allSettled(sends);
      expect(results.map((x) => (x as PromiseRejectedResult).reason?.message)).toEqual([
        'stopping',
        'stopping',
      ]);
      hold = false;
      for (const release of held) release();
      await transport.send(mail(2));
      expect(r.received.map((m) => m.to)).toEqual(['u2@example.com']);
    } finally {
      transport.close();
    }
  });

  it('tells a refusal of the message from a temporary failure and from a server problem', () => {
    const rcpt = (responseCode: number) =>
      Object.assign(new Error(`Recipient command failed: ${responseCode} no`), {
        code: 'EENVELOPE',
        responseCode,
        command: 'RCPT TO',
      });
    expect(sendFailure(rcpt(550))).toMatchObject({ permanent: true, serverDown: false });
    expect(sendFailure(rcpt(451))).toMatchObject({ permanent: false, serverDown: false });
    const auth = Object.assign(new Error('Invalid login: 535 no'), {
      code: 'EAUTH',
      responseCode: 535,
    });
    expect(sendFailure(auth)).toMatchObject({ permanent: false, serverDown: true });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' });
    expect(sendFailure(refused)).toEqual({
      permanent: false,
      serverDown: true,
      reply: 'connect ECONNREFUSED',
    });
  });

  it('turns pooling on unless the URL decides', () => {
    const url = new URL(pooledUrl('smtp://127.0.0.1:25', 8));
    expect(url.searchParams.get('pool')).toBe('true');
    expect(url.searchParams.get('maxConnections')).toBe('8');
    const own = new URL(pooledUrl('smtp://127.0.0.1:25?pool=false&maxConnections=2', 8));
    expect(own.searchParams.get('pool')).toBe('false');
    expect(own.searchParams.get('maxConnections')).toBe('2');
  });
});
