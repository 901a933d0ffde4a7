/**
 * Shutting down: a request that still arrives on an open connection while the server closes
 * is answered in the API's format (a modelled, retryable InternalServerError with
 * X-Amzn-ErrorType and x-amzn-RequestId), not with the framework's own 503 body, and the
 * request in flight completes.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../src/client/signer.js';
import { startEmbedded } from '../src/index.js';

describe('shutdown', () => {
  it('answers requests arriving during close in the API format, after the one in flight', async () => {
    const server = await startEmbedded({ env: {}, logLevel: 'silent' });
    const url = new URL(server.endpoint);
    // The first request is held for a while, so the server is closing when the second,
    // pipelined on the same connection, is read.
    await server.faults.add({ operation: 'ListNetworks', latencyMs: 400, times: 1 });
    const signed = signRequest({
      method: 'GET',
      url: '/networks',
      host: url.host,
      headers: {},
      body: '',
      credentials: server.credentials,
      region: server.credentials.region,
    });
    const head = (path: string, headers: Record<string, string>) =>
      `GET ${path} HTTP/1.1\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n';

    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(head('/networks', { ...signed, host: url.host }));
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 50));
    socket.write(head('/networks', { host: url.host }));
    await Promise.all([closed, ended]);

    const text = Buffer.concat(received).toString('utf8');
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 500 /);
    expect(answers[1]).toMatch(/\r\nx-amzn-errortype: InternalServerError\r\n/i);
    expect(answers[1]).toMatch(/\r\nx-amzn-requestid: [0-9a-f-]{36}\r\n/i);
    expect(answers[1]).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(answers[1]!.split('\r\n\r\n')[1]!) as { message: string };
    expect(body.message).toMatch(/shutting down/);
  });
});
