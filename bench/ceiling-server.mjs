// The ceiling: a bare node:http server that reads each request body and answers with the
// recorded response of the scenario being measured (same status, same body bytes). Whatever
// the API server does beyond this (signature check, validation, the query, serialisation) is
// what the ratio to the ceiling prices. Usage: node ceiling-server.mjs <response.json>
// where the file holds {status, contentType, body}; prints {"port": n} once listening.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const recorded = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const body = Buffer.from(recorded.body, 'utf8');
const headers = {
  'content-type': recorded.contentType ?? 'application/json; charset=utf-8',
  'content-length': body.length,
  // The API server sends a request ID on every answer; so does the ceiling, of the same size.
  'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
};

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(recorded.status ?? 200, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
