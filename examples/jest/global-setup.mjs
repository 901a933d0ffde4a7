// Starts one embedded Wickr Admin API server before the run. Jest runs its test files in other
// processes, started after this: they find the server through the environment variables set here.
import { startEmbedded } from 'wickr-admin-server';

export default async function globalSetup() {
  const server = await startEmbedded();
  process.env.WICKR_ENDPOINT = server.endpoint;
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  process.env.AWS_REGION = server.credentials.region;
  // Only globalTeardown (same process) sees this.
  globalThis.wickrServer = server;
}
