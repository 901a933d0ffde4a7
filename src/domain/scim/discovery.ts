/**
 * The discovery documents (RFC 7644 section 4): what this service provider supports
 * (ServiceProviderConfig: PATCH and filters yes; bulk, sort, change password, ETags no), its
 * resource types and their schemas, as far as they are mapped (docs/scim.md).
 */
import { GROUP_SCHEMA, USER_SCHEMA, listResponse, type Json } from './resources.js';
import { MAX_PAGE } from './users.js';

const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(base: string): Json {
  return {
    schemas: [CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'A token made for this network with `wickr-admin scim token create --network <id>`, sent as Authorization: Bearer <token>.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

const attr = (name: string, type: string, more: Json = {}): Json => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

const USER_ATTRIBUTES: Json[] = [
  attr('userName', 'string', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', {
    subAttributes: [
      attr('givenName', 'string'),
      attr('familyName', 'string'),
      attr('formatted', 'string', { mutability: 'readOnly' }),
    ],
  }),
  attr('displayName', 'string', { mutability: 'readOnly' }),
  attr('active', 'boolean'),
  attr('emails', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    description: 'The username, where Wickr sends the invitation.',
    subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')],
  }),
  attr('groups', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [attr('value', 'string'), attr('display', 'string'), attr('$ref', 'reference')],
  }),
];

const GROUP_ATTRIBUTES: Json[] = [
  attr('displayName', 'string', { required: true }),
  attr('members', 'complex', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', { mutability: 'immutable' }),
      attr('display', 'string', { mutability: 'readOnly' }),
      attr('$ref', 'reference', { mutability: 'immutable' }),
    ],
  }),
];

export function schemas(base: string): Json {
  const schema = (id: string, name: string, attributes: Json[]) => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  const all = [
    schema(USER_SCHEMA, 'User', USER_ATTRIBUTES),
    schema(GROUP_SCHEMA, 'Group', GROUP_ATTRIBUTES),
  ];
  return listResponse(all, all.length, 1);
}

export function resourceTypes(base: string): Json {
  const type = (name: string, endpoint: string, schema: string) => ({
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: name,
    name,
    endpoint,
    schema,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${name}` },
  });
  const all = [type('User', '/Users', USER_SCHEMA), type('Group', '/Groups', GROUP_SCHEMA)];
  return listResponse(all, all.length, 1);
}
