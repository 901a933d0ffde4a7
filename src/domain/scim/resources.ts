/**
 * SCIM resources as Wickr holds them (docs/scim.md, "Mapping"): a User is a Wickr user, a Group
 * a security group. Rendering, the `meta` block, and the `attributes`/`excludedAttributes`
 * projection (RFC 7644 3.4.2.5).
 */
import type { MemberRow, SecurityGroupRow } from '../../store/schema.js';
import type { Ctx } from '../context.js';
import { groupIdsOf } from '../owners/members.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type Json = Record<string, unknown>;

/**
 * The network's SCIM base URL, as the administrator gives it to the identity provider: the
 * server's public URL (WICKR_PUBLIC_URL) and the network's path.
 */
export function scimBaseUrl(publicUrl: string, networkId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/scim/v2/networks/${networkId}`;
}

export const baseUrl = (ctx: Ctx, networkId: string): string =>
  scimBaseUrl(ctx.services.config.publicUrl, networkId);

/**
 * `meta.version`: a weak entity tag of the row's last change (its `modified`, in
 * milliseconds). It changes whenever the resource does; If-Match is not honoured
 * (ServiceProviderConfig says etag unsupported), the tag is informative.
 */
export const versionOf = (modified: number | string) => `W/"${Number(modified)}"`;

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

export type UserRender = Pick<
  MemberRow,
  | 'member_id'
  | 'username'
  | 'first_name'
  | 'last_name'
  | 'suspended'
  | 'scim_id'
  | 'group_ids'
  | 'created_at'
  | 'modified'
>;

/** A Wickr user as a SCIM User; `groups` names its security groups (read-only). */
export function renderUser(
  base: string,
  m: UserRender,
  groupNames: ReadonlyMap<string, string>,
): Json {
  const id = String(m.member_id);
  const name: Json = {};
  if (m.first_name !== null) name['givenName'] = m.first_name;
  if (m.last_name !== null) name['familyName'] = m.last_name;
  const formatted = [m.first_name, m.last_name].filter((s) => s !== null && s !== '').join(' ');
  if (formatted) name['formatted'] = formatted;
  return {
    schemas: [USER_SCHEMA],
    id,
    ...(m.scim_id !== null ? { externalId: m.scim_id } : {}),
    userName: m.username,
    name,
    ...(formatted ? { displayName: formatted } : {}),
    active: m.suspended !== 1,
    // Wickr invites a user at their username: it is their (primary, work) address.
    emails: m.username.includes('@') ? [{ value: m.username, type: 'work', primary: true }] : [],
    groups: groupIdsOf(m).map((g) => ({
      value: g,
      ...(groupNames.has(g) ? { display: groupNames.get(g) } : {}),
      $ref: `${base}/Groups/${encodeURIComponent(g)}`,
    })),
    meta: {
      resourceType: 'User',
      created: iso(m.created_at),
      lastModified: iso(m.modified),
      location: `${base}/Users/${id}`,
      version: versionOf(m.modified),
    },
  };
}

export interface GroupMember {
  member_id: number | string;
  username: string;
}

/** A security group as a SCIM Group; `members` only when asked for (it may be long). */
export function renderGroup(base: string, g: SecurityGroupRow, members?: GroupMember[]): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: g.group_id,
    displayName: g.name,
    ...(members
      ? {
          members: members.map((m) => ({
            value: String(m.member_id),
            display: m.username,
            $ref: `${base}/Users/${String(m.member_id)}`,
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: iso(g.created_at),
      lastModified: iso(g.modified),
      location: `${base}/Groups/${encodeURIComponent(g.group_id)}`,
      version: versionOf(g.modified),
    },
  };
}

/** The attribute names of a projection parameter, lower-cased (SCIM names are case-insensitive). */
export function attributeList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    // A fully qualified name (urn:...:User:userName) names the attribute after the schema.
    .map((s) => (s.startsWith('urn:') ? s.slice(s.lastIndexOf(':') + 1) : s))
    .filter(Boolean);
  return names.length > 0 ? names : undefined;
}

/** Always returned, whatever the projection (RFC 7643 `returned: always`). */
const ALWAYS = new Set(['schemas', 'id']);

/**
 * A resource projected by `attributes` (only those, and the ones always returned) or else by
 * `excludedAttributes` (all but those). Sub-attributes are named with a dot (`name.givenName`).
 */
export function project(
  resource: Json,
  p: { attributes?: string | undefined; excludedAttributes?: string | undefined },
): Json {
  const only = attributeList(p.attributes);
  const except = attributeList(p.excludedAttributes);
  if (only) return pick(resource, only, '');
  if (except) return drop(resource, except, '');
  return resource;
}

function pick(o: Json, names: string[], prefix: string): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    const path = prefix + k.toLowerCase();
    if ((prefix === '' && ALWAYS.has(k)) || names.includes(path)) out[k] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = names.some((n) => n.startsWith(`${path}.`))
        ? pick(v as Json, names, `${path}.`)
        : {};
      if (Object.keys(inner).length > 0) out[k] = inner;
    }
  }
  return out;
}

function drop(o: Json, names: string[], prefix: string): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    const path = prefix + k.toLowerCase();
    if (!(prefix === '' && ALWAYS.has(k)) && names.includes(path)) continue;
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && names.some((n) => n.startsWith(`${path}.`))
        ? drop(v as Json, names, `${path}.`)
        : v;
  }
  return out;
}

/** A ListResponse of one page (RFC 7644 3.4.2). */
export function listResponse(resources: Json[], total: number, startIndex: number): Json {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/** `startIndex` and `count` as RFC 7644 3.4.2.4 reads them, `count` capped at `max`. */
export function paging(
  p: { startIndex?: number | undefined; count?: number | undefined },
  max: number,
) {
  const startIndex = Math.max(1, p.startIndex ?? 1);
  const count = Math.min(max, Math.max(0, p.count ?? max));
  return { startIndex, count, offset: startIndex - 1 };
}

/** The names of the network's security groups (small: a network has few). */
export async function groupNames(ctx: Ctx, networkId: string): Promise<Map<string, string>> {
  const rows = await ctx.db
    .selectFrom('security_groups')
    .select(['group_id', 'name'])
    .where('network_id', '=', networkId)
    .execute();
  return new Map(rows.map((r) => [r.group_id, r.name]));
}
