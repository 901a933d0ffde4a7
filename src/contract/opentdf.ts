/** OpenTDF (Trusted Data Format) provider configuration. */
import { STANDARD_ERRORS, bool, operation, optional, query, struct } from './dsl.js';
import { GenericString, SensitiveString, networkIdLabel } from './scalars.js';

const OpentdfConfig = struct({
  clientId: GenericString,
  domain: GenericString,
  clientSecret: SensitiveString,
  provider: GenericString,
});

export const RegisterOpentdfConfig = operation({
  name: 'RegisterOpentdfConfig',
  summary: 'Saves (or with dryRun, only tests) the OpenTDF provider configuration.',
  method: 'POST',
  // A dry run waits on the OpenTDF platform; saving is one atomic upsert.
  remote: true,
  path: '/networks/{networkId}/tdf',
  input: struct({
    networkId: networkIdLabel(),
    clientId: GenericString,
    clientSecret: SensitiveString,
    domain: GenericString,
    provider: GenericString,
    dryRun: optional(query(bool(), 'dryRun')),
  }),
  output: OpentdfConfig,
  errors: STANDARD_ERRORS,
});

export const GetOpentdfConfig = operation({
  name: 'GetOpentdfConfig',
  summary: 'Returns the OpenTDF provider configuration.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/tdf',
  input: struct({ networkId: networkIdLabel() }),
  output: OpentdfConfig,
  errors: STANDARD_ERRORS,
});

export const operations = { RegisterOpentdfConfig, GetOpentdfConfig };
