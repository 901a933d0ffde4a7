/** The generic signed Admin API client (see client.ts). */
export { AdminClient, createClient } from './client.js';
export type { ClientOptions, Input, Output, SignedHttpRequest } from './client.js';
export type { HttpRequest } from './binding.js';
export { AdminApiError, ConnectionError, type ApiReason } from './errors.js';
export { Signer, signRequest, type SigningCredentials, type SigningParams } from './signer.js';
export {
  DEFAULT_ENDPOINT,
  DEFAULT_PROFILE,
  DEFAULT_REGION,
  readIni,
  resolveConnection,
  type Connection,
  type ConnectionFlags,
  type Credentials,
} from './credentials.js';
