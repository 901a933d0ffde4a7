/**
 * Lists a handler may hand over already written as JSON (the lookup's cache keeps its answer
 * items so). Each item is written by the writer compiled here from the list's item shape in
 * the contract (fast-json-stringify, as every response is), and the pipeline's serializer only
 * joins such items: no JSON written by hand reaches the wire.
 */
import type { Static, TArray, TSchema } from '@sinclair/typebox';
import fastJson from 'fast-json-stringify';

declare const ITEM: unique symbol;

/** One list item as JSON, written by an itemWriter of its list's shape. */
export type ItemJson<T> = string & { readonly [ITEM]: T };

/** A list member's items, each already written by the itemWriter of the list's shape. */
export class SerializedItems<T = unknown> {
  constructor(readonly items: readonly ItemJson<T>[]) {}
}

/** Marks a list member of an output whose items a handler may hand over as SerializedItems. */
export function preserialized<T extends TArray>(list: T): T & { 'x-preserialized': true } {
  return { ...list, 'x-preserialized': true };
}

type ItemOf<T extends TSchema> = T extends TArray<infer I> ? Static<I> : never;

/** The writer of one item of `list` (compiled once): what SerializedItems hold. */
export function itemWriter<T extends TArray>(list: T): (item: ItemOf<T>) => ItemJson<ItemOf<T>> {
  const write = fastJson(list.items as object) as (item: unknown) => string;
  return (item) => write(item) as ItemJson<ItemOf<T>>;
}
