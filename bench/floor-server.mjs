#!/usr/bin/env node
// The API server with one change: BatchLookupUserUname answers at once, without the database
// or the uname cache, with an answer of the same shape and size. Everything else is the real
// server (HTTP, SigV4, binding, validation, authorization, JSON), so the `lookup-floor`
// scenario measures what receiving and answering a signed lookup costs before any work.
// Invoked by the harness like `wickr-admin serve --port <p> --database <url>`.
import { parseArgs } from 'node:util';
import { configFromEnv, handlers, startServer } from 'wickr-admin-server';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { port: { type: 'string' }, database: { type: 'string' } },
});
const config = { ...configFromEnv(), port: Number(values.port), databaseUrl: values.database };
const server = await startServer(config, {
  handlers: {
    ...handlers,
    BatchLookupUserUname: async (_ctx, input) => ({
      message: `${input.unames.length} items resolved, 0 failed`,
      // Usernames of the benchmark's length (user<n>@example.com).
      successful: input.unames.map((uname) => ({
        uname,
        username: `user${uname.slice(0, 6)}@example.com`,
      })),
      failed: [],
    }),
  },
});
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
