// The delivery worker's SMTP transport opens its own sockets (Nagle off): plain, STARTTLS and
// implicit TLS must still work through them, pooled or not, and a refused connection must
// surface as a send error (which the worker retries).
import net from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpTransport, pooledUrl } from '../src/delivery/smtp.js';

interface Receiver {
  port: number;
  received: { to: string; secure: boolean; body: string }[];
  close: () => Promise<void>;
}

const open: Receiver[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

async function receiver(options: SMTPServerOptions = {}): Promise<Receiver> {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r = {
    port: (server.server.address() as net.AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  open.push(r);
  return r;
}

async function sendSome(url: string, count: number) {
  const transport = createSmtpTransport(url, 4);
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail({
          from: 'wickr@example.com',
          to: `u${i}@example.com`,
          subject: 'Invitation',
          text: `hello ${i}`,
        }),
      ),
    );
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
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    await expect(sendSome(`smtp://127.0.0.1:${port}`, 1)).rejects.toThrow(/ECONNREFUSED/);
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
