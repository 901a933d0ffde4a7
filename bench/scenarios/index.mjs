// Every scenario, in the order a run performs them on each engine. A scenario is a module
// exporting { name, plan(run, engine) → sizes, run(run, engine, size), targets?(find, run) };
// add a file beside these and list it here.
import cloudtrail from './cloudtrail.mjs';
import create from './create.mjs';
import delivery from './delivery.mjs';
import importScenario from './import.mjs';
import list from './list.mjs';
import lookup from './lookup.mjs';
import lookupCold from './lookup-cold.mjs';
import lookupFloor from './lookup-floor.mjs';
import lookupLog from './lookup-log.mjs';
import lookupMinimal from './lookup-minimal.mjs';
import reinvite from './reinvite.mjs';
import start from './start.mjs';

export const SCENARIOS = [
  start,
  lookup,
  lookupMinimal,
  lookupCold,
  lookupFloor,
  lookupLog,
  list,
  reinvite,
  create,
  importScenario,
  delivery,
  cloudtrail,
];

/** The order the targets table lists scenarios in (the targets of the original report). */
export const TARGET_ORDER = [
  'lookup',
  'lookup-log',
  'reinvite',
  'create',
  'list',
  'import',
  'start',
  'delivery',
  'cloudtrail',
];
