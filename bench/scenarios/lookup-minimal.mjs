// `lookup-minimal`: the reference the lookup is judged against, bench/lookup-minimal-server.mjs
// (the minimal real work of the operation on bare node:http), measured in the same rounds as
// the server's lookup and the ceiling, with the same requests, at the primary size of each
// engine. When `lookup` runs too, it carries the reference at that size (no extra run).
import { lookupScenario, referenceSize } from './lookup.mjs';

export default {
  name: 'lookup-minimal',
  plan: (run, engine) =>
    run.settings.scenarios?.includes('lookup') ? [] : [referenceSize(run, engine)],
  run: (run, engine, size) => lookupScenario(run, engine, size, '', { reference: true }),
};
