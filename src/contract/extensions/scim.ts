/**
 * SCIM 2.0 (RFC 7643, RFC 7644): the service provider an identity provider (Okta, Microsoft
 * Entra ID) provisions one network through, at `/scim/v2/networks/{networkId}` (docs/scim.md).
 * Each endpoint is an operation of the server's own, run by the one pipeline like any other:
 * authenticated with a bearer token made for the network (scheme `scim`), rate-limited per
 * token, its changes audited with source `scim`. The SCIM protocol (surfaces/scim/protocol.ts)
 * frames them: `application/scim+json`, SCIM error bodies. Resources travel as JSON the domain
 * reads and checks itself (domain/scim/), so that a wrong value is a SCIM 400 naming the
 * attribute, not the API's 422.
 */
import {
  STANDARD_ERRORS,
  anyJson,
  bool,
  int,
  list,
  operation,
  optional,
  query,
  str,
  struct,
  uri,
} from '../dsl.js';
import { networkIdLabel } from '../scalars.js';

export const SCIM_BASE = '/scim/v2/networks/{networkId}';

const Text = str({ min: 1, max: 4096 });
/** A resource's `id`: a user's ID, a security group's ID. */
const ResourceId = uri(str({ min: 1, max: 256 }), 'id');

/** `attributes` and `excludedAttributes` (RFC 7644 3.4.2.5): comma-separated attribute names. */
const projection = () => ({
  attributes: optional(query(Text, 'attributes')),
  excludedAttributes: optional(query(Text, 'excludedAttributes')),
});

/** A list's query: `filter`, `startIndex`/`count` paging (RFC 7644 3.4.2). */
const listInput = () =>
  struct({
    networkId: networkIdLabel(),
    filter: optional(query(Text, 'filter')),
    // Any integer: below 1 is read as 1, a negative count as 0 (RFC 7644 3.4.2.4).
    startIndex: optional(query(int(), 'startIndex')),
    count: optional(query(int(), 'count')),
    ...projection(),
  });

const oneInput = () => struct({ networkId: networkIdLabel(), id: ResourceId, ...projection() });
/** The body is SCIM JSON, read and checked by the domain (a SCIM 400 names the attribute). */
const writeInput = () => struct({ networkId: networkIdLabel(), body: anyJson(), ...projection() });
const changeInput = () =>
  struct({ networkId: networkIdLabel(), id: ResourceId, body: anyJson(), ...projection() });

/**
 * What a SCIM handler answers: the HTTP status (200, 201, 204) and the resource, list or
 * document written as the body.
 */
export const ScimAnswer = struct({ status: int(), resource: optional(anyJson()) });

const traits = { auth: ['scim'], protocol: 'scim' } as const;

const read = <const N extends string, I extends ReturnType<typeof listInput | typeof oneInput>>(
  name: N,
  path: string,
  summary: string,
  input: I,
) =>
  operation({
    name,
    summary,
    method: 'GET',
    path: `${SCIM_BASE}${path}`,
    readonly: true,
    ...traits,
    input,
    output: ScimAnswer,
    errors: STANDARD_ERRORS,
  });

const discovery = () => struct({ networkId: networkIdLabel() });

export const ScimGetServiceProviderConfig = operation({
  name: 'ScimGetServiceProviderConfig',
  summary: 'SCIM: what this service provider supports (RFC 7643 section 5).',
  method: 'GET',
  path: `${SCIM_BASE}/ServiceProviderConfig`,
  readonly: true,
  ...traits,
  input: discovery(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimListResourceTypes = operation({
  name: 'ScimListResourceTypes',
  summary: 'SCIM: the resource types served, User and Group (RFC 7643 section 6).',
  method: 'GET',
  path: `${SCIM_BASE}/ResourceTypes`,
  readonly: true,
  ...traits,
  input: discovery(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimListSchemas = operation({
  name: 'ScimListSchemas',
  summary: 'SCIM: the schemas of the resources served (RFC 7643 section 7).',
  method: 'GET',
  path: `${SCIM_BASE}/Schemas`,
  readonly: true,
  ...traits,
  input: discovery(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimListUsers = read(
  'ScimListUsers',
  '/Users',
  "SCIM: the network's users, filtered and paged.",
  listInput(),
);
export const ScimGetUser = read('ScimGetUser', '/Users/{id}', 'SCIM: one user.', oneInput());

export const ScimCreateUser = operation({
  name: 'ScimCreateUser',
  summary: 'SCIM: provisions a user and invites them, as BatchCreateUser does.',
  method: 'POST',
  path: `${SCIM_BASE}/Users`,
  ...traits,
  input: writeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimReplaceUser = operation({
  name: 'ScimReplaceUser',
  summary: "SCIM: replaces a user's attributes (username, names, active, externalId).",
  method: 'PUT',
  path: `${SCIM_BASE}/Users/{id}`,
  ...traits,
  input: changeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimPatchUser = operation({
  name: 'ScimPatchUser',
  summary: 'SCIM: changes a user with a PatchOp (active false suspends it).',
  method: 'PATCH',
  path: `${SCIM_BASE}/Users/{id}`,
  ...traits,
  input: changeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimDeleteUser = operation({
  name: 'ScimDeleteUser',
  summary: 'SCIM: deletes a user, as BatchDeleteUser does.',
  method: 'DELETE',
  path: `${SCIM_BASE}/Users/{id}`,
  ...traits,
  input: struct({ networkId: networkIdLabel(), id: ResourceId }),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimListGroups = read(
  'ScimListGroups',
  '/Groups',
  "SCIM: the network's security groups, filtered and paged.",
  listInput(),
);
export const ScimGetGroup = read(
  'ScimGetGroup',
  '/Groups/{id}',
  'SCIM: one security group.',
  oneInput(),
);

export const ScimCreateGroup = operation({
  name: 'ScimCreateGroup',
  summary: 'SCIM: creates a security group, with its members.',
  method: 'POST',
  path: `${SCIM_BASE}/Groups`,
  ...traits,
  input: writeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimReplaceGroup = operation({
  name: 'ScimReplaceGroup',
  summary: "SCIM: replaces a security group's name and members.",
  method: 'PUT',
  path: `${SCIM_BASE}/Groups/{id}`,
  ...traits,
  input: changeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimPatchGroup = operation({
  name: 'ScimPatchGroup',
  summary: "SCIM: changes a security group's name or members with a PatchOp.",
  method: 'PATCH',
  path: `${SCIM_BASE}/Groups/{id}`,
  ...traits,
  input: changeInput(),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const ScimDeleteGroup = operation({
  name: 'ScimDeleteGroup',
  summary: 'SCIM: deletes a security group, as DeleteSecurityGroup does.',
  method: 'DELETE',
  path: `${SCIM_BASE}/Groups/{id}`,
  ...traits,
  input: struct({ networkId: networkIdLabel(), id: ResourceId }),
  output: ScimAnswer,
  errors: STANDARD_ERRORS,
});

export const operations = {
  ScimGetServiceProviderConfig,
  ScimListResourceTypes,
  ScimListSchemas,
  ScimListUsers,
  ScimGetUser,
  ScimCreateUser,
  ScimReplaceUser,
  ScimPatchUser,
  ScimDeleteUser,
  ScimListGroups,
  ScimGetGroup,
  ScimCreateGroup,
  ScimReplaceGroup,
  ScimPatchGroup,
  ScimDeleteGroup,
};

// ---------- the tokens, managed through the API and the console ----------

const TokenId = str({ min: 1, max: 64, pattern: 'scim-[0-9a-f]+' });

const ScimToken = struct({
  tokenId: TokenId,
  networkId: Text,
  label: optional(Text),
  /** Epoch seconds. */
  createdAt: int(),
  revokedAt: optional(int()),
});

/** The tokens of a network (never the tokens themselves), for the console's SCIM page. */
export const ListScimTokens = operation({
  name: 'ListScimTokens',
  summary: "Lists a network's SCIM bearer tokens, without their secrets.",
  method: 'GET',
  path: '/_scim/networks/{networkId}/tokens',
  readonly: true,
  input: struct({ networkId: networkIdLabel() }),
  output: struct({ tokens: list(ScimToken) }),
  errors: STANDARD_ERRORS,
});

export const CreateScimToken = operation({
  name: 'CreateScimToken',
  summary: 'Makes a SCIM bearer token for a network; the token is answered this once.',
  method: 'POST',
  path: '/_scim/networks/{networkId}/tokens',
  input: struct({ networkId: networkIdLabel(), label: optional(str({ min: 1, max: 128 })) }),
  output: struct({
    tokenId: TokenId,
    networkId: Text,
    token: str({ sensitive: true }),
    baseUrl: Text,
  }),
  errors: STANDARD_ERRORS,
});

export const RevokeScimToken = operation({
  name: 'RevokeScimToken',
  summary: 'Revokes a SCIM bearer token of a network: it stops working at once.',
  method: 'DELETE',
  path: '/_scim/networks/{networkId}/tokens/{tokenId}',
  input: struct({ networkId: networkIdLabel(), tokenId: uri(TokenId) }),
  output: struct({ tokenId: TokenId, revoked: bool() }),
  errors: STANDARD_ERRORS,
});

export const tokenOperations = { ListScimTokens, CreateScimToken, RevokeScimToken };

export const allScimOperations = { ...operations, ...tokenOperations };
