// The benchmark's Admin API client: the package's own signed client (the one the CLI uses),
// with the benchmark's fixed root key. Requests for autocannon are signed up front with
// `client.sign(operation, input)`, byte-for-byte what the verifier recomputes.
import { AdminClient } from 'wickr-admin-server';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '000000000000';
export const CREDENTIALS = {
  accessKeyId: 'AKIABENCHMARK0000001',
  secretAccessKey: 'benchmark-secret-not-for-production-use-0001',
};

/** A client of the server at `endpoint`; errors are not retried (a benchmark must see them). */
export function benchClient(endpoint) {
  return new AdminClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxRetries: 0 });
}
