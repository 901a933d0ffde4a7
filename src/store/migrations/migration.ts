import type { Migration } from 'kysely';
import type { Engine } from '../engine.js';

/** A migration, made for the engine it runs on. */
export type MigrationFactory = (engine: Engine) => Migration;
