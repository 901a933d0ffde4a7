// `lookup-cold`: the lookup at the primary size on SQLite with the uname cache off. No target;
// it shows what the cache buys.
import { primaryOf } from '../lib/bench-run.mjs';
import { lookupScenario } from './lookup.mjs';

export default {
  name: 'lookup-cold',
  plan: (run, engine) => (engine === 'sqlite' ? [primaryOf(run.sizesFor(engine))] : []),
  run: (run, engine, size) => lookupScenario(run, engine, size, 'cold'),
};
