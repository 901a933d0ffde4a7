/** The one place that knows a member row's defaults: users and bots share the members table. */
import type { MemberRow, NewMember } from '../store/schema.js';
import { unameOf } from './member-identity.js';

type Identity = Pick<NewMember, 'network_id' | 'kind' | 'username'>;

/** A new member row: identity-derived columns computed, everything else at its default. */
export function newMember(
  network: { network_id: string; uname_key: string },
  kind: 'user' | 'bot',
  username: string,
  now: number,
  fields: Partial<Omit<NewMember, keyof Identity | 'username_lc' | 'uname'>> = {},
): NewMember {
  return {
    network_id: network.network_id,
    kind,
    username,
    username_lc: username.toLowerCase(),
    // Users and bots alike resolve through BatchLookupUserUname.
    uname: unameOf(network.uname_key, username),
    first_name: null,
    last_name: null,
    first_name_lc: null,
    last_name_lc: null,
    display_name: null,
    status: 1,
    suspended: 0,
    is_admin: 0,
    otp_enabled: 0,
    scim_id: null,
    cell: null,
    country_code: null,
    invite_code: null,
    invite_code_custom: 0,
    invite_expires_at: null,
    invite_ttl_days: 0,
    code_validation: 0,
    challenge_failures: 0,
    challenge_hash: null,
    pubkey: null,
    group_id: null,
    last_login: null,
    last_activity: null,
    created_at: now,
    modified: now,
    ...fields,
  };
}

/**
 * A member's security groups, sorted, from `group_ids` (kept exact by the member_groups
 * triggers of migration 007): no query of member_groups per member.
 */
export function groupIdsOf(m: Pick<MemberRow, 'group_ids'>): string[] {
  return m.group_ids ? m.group_ids.split(',').sort() : [];
}
