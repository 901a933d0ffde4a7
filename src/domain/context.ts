/** What every handler receives: the caller, a database handle (a transaction for writes), services. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Contract, InputOf, OperationName, OutputOf } from '../contract/index.js';
import type { Pager } from './pagination.js';
import type { Database, NetworkRow } from '../store/schema.js';
import type { UnameCache } from './uname-cache.js';

/** The caller: an access key of an account, signing for a region. */
export interface Principal {
  accountId: string;
  region: string;
  accessKeyId: string;
  /** The key owner's name ("root" for account-level keys): who acted, in lists and audits. */
  userName: string;
  actions: readonly string[];
  /** `actions` compiled (auth/policy.ts compileActions). */
  actionPattern: RegExp;
  /** Network IDs the key is limited to; undefined means every network of the account. */
  networks?: readonly string[];
}

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
  /**
   * Resolves once this process sends no message of the network: at most a few seconds, after
   * which its sends still in flight are interrupted (see delivery/worker.ts).
   */
  mailSettled(networkId: string): Promise<void>;
}

export interface Ctx {
  db: Kysely<Database>;
  principal: Principal;
  requestId: string;
  services: Services;
  /** The operation's network, checked by the pipeline's tenancy step (see NetworkCtx). */
  network?: NetworkRow | NetworkVersion;
  /**
   * Set for an audited operation that runs outside a transaction (it waits on a remote party):
   * runs its one write in a transaction with the audit record. Use it through commitWrite.
   */
  commit?<T>(write: (db: Kysely<Database>) => Promise<T>): Promise<T>;
}

/** The write of an operation outside a transaction, committed together with its audit record. */
export function commitWrite<T>(ctx: Ctx, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return ctx.commit ? ctx.commit(write) : write(ctx.db);
}

/** A network's ID and lookup version: all the tenancy step reads for a VERSION_SCOPED operation. */
export type NetworkVersion = Pick<NetworkRow, 'network_id' | 'lookup_version'>;

/**
 * Operations whose tenancy step reads only the network's ID and lookup version, not its whole
 * row: the hot path (a narrower row is a cheaper statement, run on every lookup).
 */
export type VersionScoped = 'BatchLookupUserUname';
export const VERSION_SCOPED: ReadonlySet<string> = new Set<VersionScoped>(['BatchLookupUserUname']);

export interface VersionCtx extends Ctx {
  network: NetworkVersion;
}

/**
 * The context of an operation with a `networkId` label: the pipeline's tenancy step has found
 * the network in the caller's account and region (and the key may use it) before the handler.
 */
export interface NetworkCtx extends Ctx {
  network: NetworkRow;
}

/** Whether an operation is network-scoped is read from its input, as the pipeline does. */
export type CtxOf<N extends OperationName> = N extends VersionScoped
  ? VersionCtx
  : 'networkId' extends keyof InputOf<Contract[N]>
    ? NetworkCtx
    : Ctx;

export type Handler<N extends OperationName> = (
  ctx: CtxOf<N>,
  input: InputOf<Contract[N]>,
) => Promise<
  N extends PreSerialized
    ? OutputOf<Contract[N]> | Serialized<OutputOf<Contract[N]>>
    : OutputOf<Contract[N]>
>;

/** Operations whose handler may answer with its output already written as JSON (Serialized). */
export type PreSerialized = 'BatchLookupUserUname';

/**
 * An output its handler wrote as JSON itself (the hot path's pre-serialized answers); the
 * pipeline sends it as it is, and in the test suites checks it against the output shape and
 * the bytes the output's serializer would write.
 */
export class Serialized<T = unknown> {
  declare readonly output?: T;
  constructor(readonly json: string) {}
}

/** Total: an operation of the contract without a handler does not compile. */
export type HandlerMap = { [N in OperationName]: Handler<N> };
