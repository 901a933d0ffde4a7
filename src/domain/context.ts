/** What every handler receives: the caller, a database handle (a transaction for writes), services. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type {
  AnyOperationName,
  EveryOperation,
  InputOf,
  OperationName,
  OperationSpec,
  OutputOf,
  SerializedItems,
} from '../contract/index.js';
import type { Pager } from './pagination.js';
import type { Database, NetworkRow } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
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
  /** The console session the request came with (the console's authentication). */
  session?: ConsoleSession;
}

export interface ConsoleSession {
  /** The cookie's token (only its hash is stored). */
  token: string;
  csrfToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
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
  /** The client's address (behind trusted proxies, the one they name). */
  sourceIp?: string;
  /** The operation's network, checked by the pipeline's tenancy step (see NetworkCtx). */
  network?: NetworkRow | NetworkVersion;
  /**
   * Set for an audited operation that runs outside a request transaction (traits `remote`,
   * `ownTransaction`): writes the request's audit record with `db`, the transaction of its
   * change. Use it through commitWrite.
   */
  record?: (db: Kysely<Database>) => Promise<void>;
}

/**
 * The one write of an operation outside a request transaction, committed together with its
 * audit record (or, when nothing is to be recorded, as it is).
 */
export function commitWrite<T>(ctx: Ctx, write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const record = ctx.record;
  if (!record) return write(ctx.db);
  return inTransaction(ctx.db, async (trx) => {
    const result = await write(trx);
    await record(trx);
    return result;
  });
}

/** A network's ID and lookup version: all the tenancy step reads for `tenancy: 'network-version'`. */
export type NetworkVersion = Pick<NetworkRow, 'network_id' | 'lookup_version'>;

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

/** The context of an operation anyone may call (`auth: ['none']`): no principal. */
export interface AnonymousCtx extends Omit<Ctx, 'principal'> {
  principal?: undefined;
}

type SpecOf<N extends AnyOperationName> = EveryOperation[N];

/** The context is read from the operation's traits and input, as the pipeline reads them. */
export type CtxOf<N extends AnyOperationName> =
  SpecOf<N> extends { auth: readonly ['none'] }
    ? AnonymousCtx
    : SpecOf<N> extends { tenancy: 'network-version' }
      ? VersionCtx
      : SpecOf<N>['input']['properties'] extends { networkId: { 'x-location': 'uri' } }
        ? NetworkCtx
        : Ctx;

/** The output members a handler may hand over as SerializedItems (`preserialized` lists). */
type PreserializedKeys<S extends OperationSpec> = {
  [K in keyof S['output']['properties']]: S['output']['properties'][K] extends {
    'x-preserialized': true;
  }
    ? K
    : never;
}[keyof S['output']['properties']];

type ItemOf<L> = NonNullable<L> extends readonly (infer T)[] ? T : never;

/** What a handler answers: the output, with preserialized lists possibly already written. */
export type HandlerOutput<S extends OperationSpec> = {
  [K in keyof OutputOf<S>]: K extends PreserializedKeys<S>
    ? OutputOf<S>[K] | SerializedItems<ItemOf<OutputOf<S>[K]>>
    : OutputOf<S>[K];
};

export type Handler<N extends AnyOperationName> = (
  ctx: CtxOf<N>,
  input: InputOf<SpecOf<N>>,
) => Promise<HandlerOutput<SpecOf<N>>>;

/** Total over the Wickr API: an operation of the contract without a handler does not compile. */
export type HandlerMap = { [N in OperationName]: Handler<N> };

/** Total over every operation the server runs, its extensions included (server.ts). */
export type AllHandlers = { [N in AnyOperationName]: Handler<N> };
