/**
 * The contract's input and output types by operation name: what the signed client and the
 * web console call with and get back. Types only, so the console's bundle gains no code.
 */
import type { Contract, InputOf, OperationName, OutputOf } from '../contract/index.js';

export type { OperationName };
export type Input<N extends OperationName> = InputOf<Contract[N]>;
export type Output<N extends OperationName> = OutputOf<Contract[N]>;
