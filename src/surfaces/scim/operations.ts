/**
 * The SCIM operations' handlers (contract/extensions/scim.ts): each answers the status and the
 * body its SCIM request is answered with, calling the domain's SCIM mapping (domain/scim/).
 */
import type { AllHandlers, NetworkCtx } from '../../domain/context.js';
import * as groups from '../../domain/scim/groups.js';
import { baseUrl } from '../../domain/scim/resources.js';
import { resourceTypes, schemas, serviceProviderConfig } from '../../domain/scim/discovery.js';
import * as users from '../../domain/scim/users.js';
import { CreateScimToken, ListScimTokens, RevokeScimToken } from '../../domain/scim/tokens.js';

type ScimName =
  | 'ScimGetServiceProviderConfig'
  | 'ScimListResourceTypes'
  | 'ScimListSchemas'
  | 'ScimListUsers'
  | 'ScimGetUser'
  | 'ScimCreateUser'
  | 'ScimReplaceUser'
  | 'ScimPatchUser'
  | 'ScimDeleteUser'
  | 'ScimListGroups'
  | 'ScimGetGroup'
  | 'ScimCreateGroup'
  | 'ScimReplaceGroup'
  | 'ScimPatchGroup'
  | 'ScimDeleteGroup'
  | 'ListScimTokens'
  | 'CreateScimToken'
  | 'RevokeScimToken';

const ok = (resource: unknown) => ({ status: 200, resource });
const base = (ctx: NetworkCtx) => baseUrl(ctx, ctx.network.network_id);

export const scimHandlers: Pick<AllHandlers, ScimName> = {
  ScimGetServiceProviderConfig: async (ctx) => ok(serviceProviderConfig(base(ctx))),
  ScimListResourceTypes: async (ctx) => ok(resourceTypes(base(ctx))),
  ScimListSchemas: async (ctx) => ok(schemas(base(ctx))),
  ScimListUsers: async (ctx, input) => ok(await users.listUsers(ctx, input)),
  ScimGetUser: async (ctx, input) => ok(await users.getUser(ctx, input.id, input)),
  ScimCreateUser: async (ctx, input) => ({
    status: 201,
    resource: await users.createUser(ctx, input.body, input),
  }),
  ScimReplaceUser: async (ctx, input) =>
    ok(await users.replaceUser(ctx, input.id, input.body, input)),
  ScimPatchUser: async (ctx, input) => ok(await users.patchUser(ctx, input.id, input.body, input)),
  ScimDeleteUser: async (ctx, input) => {
    await users.deleteUser(ctx, input.id);
    return { status: 204 };
  },
  ScimListGroups: async (ctx, input) => ok(await groups.listGroups(ctx, input)),
  ScimGetGroup: async (ctx, input) => ok(await groups.getGroup(ctx, input.id, input)),
  ScimCreateGroup: async (ctx, input) => ({
    status: 201,
    resource: await groups.createGroup(ctx, input.body, input),
  }),
  ScimReplaceGroup: async (ctx, input) =>
    ok(await groups.replaceGroup(ctx, input.id, input.body, input)),
  ScimPatchGroup: async (ctx, input) =>
    ok(await groups.patchGroup(ctx, input.id, input.body, input)),
  ScimDeleteGroup: async (ctx, input) => {
    await groups.deleteGroup(ctx, input.id);
    return { status: 204 };
  },
  ListScimTokens,
  CreateScimToken,
  RevokeScimToken,
};
