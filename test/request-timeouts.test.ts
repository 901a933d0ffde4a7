/**
 * Request timeouts (docs/operations.md#request-timeouts): a client that trickles its headers or
 * its body is answered 400 ("not received in time") and disconnected once the limit passes,
 * instead of holding the connection for as long as it likes; a handler that takes longer than
 * the limit is not cut (the limits are on receiving the request). Short limits keep this quick.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { answerOf } from './support/admin-call.js';

let server: EmbeddedServer;
beforeAll(async () => {
  server = await startEmbedded({ env: {}, headersTimeoutMs: 600, requestTimeoutMs: 1200 });
});
afterAll(async () => {
  await server?.close();
});

/**
 * Writes `head`, then `trickle` a byte every 100 ms (for 15 s at most), and resolves with what
 * the server sent by the time it closed the connection, or by the end of the trickle.
 */
function trickle(head: string, drip: string): Promise<{ answer: string; closed: boolean }> {
  const url = new URL(server.endpoint);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(url.port), url.hostname);
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ answer, closed });
    };
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= 150) return done(false);
        if (!socket.destroyed) socket.write(drip[sent % drip.length]!);
        sent++;
      }, 100);
    });
  });
}

describe('request timeouts', () => {
  it('cuts off a body that trickles, with a 400 in the API format', async () => {
    const host = new URL(server.endpoint).host;
    const { answer, closed } = await trickle(
      `POST /networks HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 1000\r\n\r\n`,
      'x',
    );
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nX-Amzn-ErrorType: BadRequestError\r\n/i);
    expect(answer).toContain('{"message":"The request was not received in time."}');
  });

  it('cuts off headers that trickle', async () => {
    const { answer, closed } = await trickle('GET /networks HTTP/1.1\r\nX-Slow: ', 'abcdef');
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('not received in time');
  });

  it('does not cut a request whose answer takes longer than the limits', async () => {
    server.faults.add({ operation: 'ListNetworks', latencyMs: 2000, times: 1 });
    expect((await answerOf(server, 'ListNetworks', {})).status).toBe(200);
  });
});
