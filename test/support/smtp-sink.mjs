#!/usr/bin/env node
// A minimal SMTP receiver for tests: accepts every message on loopback and records it.
//
//   node test/support/smtp-sink.mjs [--out FILE] [--port N]
//
// FILE (or $SMTP_SINK_FILE): every received message is appended as one JSON line
//   {"receivedAt": ms, "from": "...", "to": ["..."], "data": "<raw RFC 5322 message>"}
// N (or $SMTP_SINK_PORT): the port to listen on; default 0, a free one.
// Prints {"port": N, "pid": P} on stdout once listening, then runs until SIGTERM/SIGINT.
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = arg('--out') ?? process.env.SMTP_SINK_FILE;
if (!out) {
  process.stderr.write('smtp-sink: name the output file with --out FILE or $SMTP_SINK_FILE\n');
  process.exit(2);
}
const port = Number(arg('--port') ?? process.env.SMTP_SINK_PORT ?? 0);

const server = new SMTPServer({
  // Plain, unauthenticated SMTP: nothing to upgrade to, nothing to log in to.
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const record = {
        receivedAt: Date.now(),
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString('utf8'),
      };
      // One synchronous append per message: a reader never sees half a line.
      appendFileSync(out, `${JSON.stringify(record)}\n`);
      callback();
    });
  },
});

server.on('error', (err) => process.stderr.write(`smtp-sink: ${err.message}\n`));
server.listen(port, '127.0.0.1', () => {
  const address = server.server.address();
  process.stdout.write(`${JSON.stringify({ port: address.port, pid: process.pid })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
