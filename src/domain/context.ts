/** What every handler receives: the caller, a database handle (a transaction for writes), services. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Principal } from '../auth/policy.js';
import type { Contract, InputOf, OperationName, OutputOf } from '../contract/index.js';
import type { Pager } from '../pipeline/pagination.js';
import type { Database } from '../store/schema.js';
import type { UnameCache } from './uname-cache.js';

export interface DomainConfig {
  /** Base URL put in invitation links. */
  publicUrl: string;
  /** Registration attempts with a wrong code before a user is locked out. */
  registrationLockout: number;
  /** Users a network may hold (GetUsersCount's `remaining`). */
  maxUsersPerNetwork: number;
}

export interface Services {
  now(): number;
  config: DomainConfig;
  pager: Pager;
  log: Logger;
  /** uname → username per network, checked against the network's lookup_version. */
  unameCache: UnameCache;
  /** Wakes the delivery worker after a commit that queued mail. */
  mailQueued(): void;
  /** Told when failed invite codes lock a user out of registration (metrics). */
  onLockout?(): void;
  /** Resolves once this process sends no message of the network (see delivery/worker.ts). */
  mailSettled(networkId: string): Promise<void>;
}

export interface Ctx {
  db: Kysely<Database>;
  principal: Principal;
  requestId: string;
  services: Services;
}

export type Handler<N extends OperationName> = (
  ctx: Ctx,
  input: InputOf<Contract[N]>,
) => Promise<OutputOf<Contract[N]>>;

/** Total: an operation of the contract without a handler does not compile. */
export type HandlerMap = { [N in OperationName]: Handler<N> };
