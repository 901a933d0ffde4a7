// `lookup-floor`: the lookup's requests against bench/floor-server.mjs, whose lookup handler
// answers at once. No target; the cost of a signed request on this stack before any work.
import { primaryOf } from '../lib/bench-run.mjs';
import { lookupScenario } from './lookup.mjs';

export default {
  name: 'lookup-floor',
  plan: (run, engine) => (engine === 'sqlite' ? [primaryOf(run.sizesFor(engine))] : []),
  run: (run, engine, size) => lookupScenario(run, engine, size, 'floor'),
};
