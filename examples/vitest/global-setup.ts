// Starts one embedded Wickr Admin API server for the run and hands its endpoint and root key to
// every test file through Vitest's provide/inject (the server itself stays in this process).
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from 'wickr-admin-server';

declare module 'vitest' {
  export interface ProvidedContext {
    wickr: Pick<EmbeddedServer, 'endpoint' | 'credentials'>;
  }
}

export default async function setup(project: TestProject) {
  // A free loopback port, an in-memory database, a fresh root key, the /_wickr/ controls on.
  const server = await startEmbedded();
  project.provide('wickr', { endpoint: server.endpoint, credentials: server.credentials });
  return () => server.close();
}
