/**
 * The database schema as a TypeScript type (Kysely). Both engines store booleans as 0/1
 * integers, times as epoch milliseconds and structured settings as JSON text, so one set of
 * queries serves SQLite and PostgreSQL alike.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Flag = 0 | 1;

export interface AccessKeysTable {
  access_key_id: string;
  secret_access_key: string;
  account_id: string;
  /** JSON array of allowed actions, e.g. ["wickr:*"]. */
  actions: string;
  /** JSON array of network IDs the key is limited to, or null for all. */
  networks: string | null;
  label: string | null;
  /** The owner's name, as an IAM user's (e.g. "alice"); "root" for account-level keys. */
  user_name: string;
  created_at: number;
  revoked_at: number | null;
  /** When a request last authenticated with the key (migration 016), to the minute; null: never since. */
  last_used_at: number | null;
}

export interface IdRegistryTable {
  kind: string;
  id: string;
}

export interface NetworksTable {
  network_id: string;
  account_id: string;
  region: string;
  network_name: string;
  access_level: string;
  encryption_key_arn: string | null;
  standing: number;
  free_trial_expiration: number | null;
  migration_state: number;
  /** Hex key of the network's uname HMAC. */
  uname_key: string;
  /** Changes whenever the network's unames do (migration 006): the uname cache's check. */
  lookup_version: Generated<number>;
  settings: string;
  created_at: number;
}

export interface SecurityGroupsTable {
  network_id: string;
  group_id: string;
  name: string;
  is_default: Flag;
  settings: string;
  active_directory_guid: string | null;
  created_at: number;
  modified: number;
}

/** Users and bots share one table: they share usernames, unames and the ID space. */
export interface MembersTable {
  member_id: Generated<number>;
  network_id: string;
  kind: 'user' | 'bot';
  username: string;
  username_lc: string;
  uname: string;
  first_name: string | null;
  last_name: string | null;
  /** Lowercased by the application (full Unicode case folding), for filters and sorting. */
  first_name_lc: string | null;
  last_name_lc: string | null;
  display_name: string | null;
  /** 1 pending, 2 active. */
  status: number;
  suspended: Flag;
  is_admin: Flag;
  otp_enabled: Flag;
  scim_id: string | null;
  cell: string | null;
  country_code: string | null;
  invite_code: string | null;
  invite_code_custom: Flag;
  invite_expires_at: number | null;
  /** Validity of an invite code in days; a reinvite restarts it. */
  invite_ttl_days: number;
  /** Set when the person declined the invitation (GetUsersCount's `rejected`). */
  invite_declined_at: number | null;
  code_validation: Flag;
  challenge_failures: number;
  /** Bots: scrypt hash of the challenge (password). */
  challenge_hash: string | null;
  pubkey: string | null;
  /** Bots: their single security group. */
  group_id: string | null;
  /** Users: their security groups, comma-separated, in no order; kept by triggers (migration 007). */
  group_ids: Generated<string>;
  last_login: number | null;
  last_activity: number | null;
  /** When the member first signed in (a user's registration; migration 016); null before. */
  registered_at: number | null;
  created_at: number;
  modified: number;
}

export interface MemberGroupsTable {
  member_id: number;
  network_id: string;
  group_id: string;
}

export interface DevicesTable {
  app_id: string;
  member_id: number;
  network_id: string;
  device_name: string;
  platform: string;
  status_text: string;
  suspended: Flag;
  created_at: number;
  last_login: number;
}

export interface OutboxTable {
  id: Generated<number>;
  network_id: string;
  member_id: number | null;
  kind: string;
  recipient: string;
  subject: string;
  body_text: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
  /** The invite code the message carries: it is sent only while this is the member's code. */
  invite_code: string | null;
}

/** `superseded`: a later invitation replaced it; `withdrawn`: its recipient can no longer use it. */
export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'superseded' | 'withdrawn';

export interface IdempotencyTable {
  account_id: string;
  token: string;
  operation: string;
  fingerprint: string;
  /** Null while the first request is still executing. */
  response: string | null;
  created_at: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
}

export interface DataRetentionTable {
  network_id: string;
  /** The data-retention bot's row in `members`. */
  member_id: number;
  bot_name: string;
  /** When the latest challenge was generated; null before the first. */
  challenge_issued_at: number | null;
  /** Set by the bot's first successful sign-in. */
  registered: Flag;
  registered_at: number | null;
  pubkey_msg_acked: Flag;
  pubkey_msg_acked_at: number | null;
  /** Mirrors the network setting `dataRetention` while the bot exists. */
  service_enabled: Flag;
  service_changed_at: number | null;
  created_at: number;
  modified: number;
}

export interface GuestUsersTable {
  network_id: string;
  /** The network's keyed hash of the lowercased username (as `uname`). */
  username_hash: string;
  /** YYYY-MM (UTC) of the activity. */
  billing_period: string;
  username: string;
  username_lc: string;
  first_seen: number;
  last_seen: number;
}

export interface GuestBlocksTable {
  network_id: string;
  username_hash: string;
  username: string;
  username_lc: string;
  /** User name of the administrator (the owner of the access key) who blocked the guest. */
  admin: string;
  modified: number;
}

export interface OidcConfigsTable {
  network_id: string;
  company_id: string;
  issuer: string;
  scopes: string;
  client_id: string | null;
  client_secret: string | null;
  custom_username: string | null;
  extra_auth_params: string | null;
  ca_certificate: string | null;
  sso_token_buffer_minutes: number;
  application_id: number;
  application_name: string;
  redirect_url: string;
  created_at: number;
  modified: number;
}

export interface OidcCaCertificatesTable {
  network_id: string;
  issuer: string;
  certificate: string;
  tested_at: number;
}

export interface OpentdfConfigsTable {
  network_id: string;
  client_id: string;
  client_secret: string;
  domain: string;
  provider: string;
  created_at: number;
  modified: number;
}

/** Web console sessions (migration 011); the token itself is never stored. */
export interface ConsoleSessionsTable {
  token_hash: string;
  access_key_id: string;
  region: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** Migration 010: the audit trail (src/audit/). */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  request_id: string | null;
  /** What was called: 'admin-api', 'console', 'invitee' or 'scim'. */
  source: string;
  access_key_id: string | null;
  account_id: string | null;
  region: string | null;
  source_ip: string | null;
  user_agent: string | null;
  operation: string;
  network_id: string | null;
  /** The request's parameters as JSON, sensitive members masked. */
  parameters: string | null;
  /** 'success', 'refused' or 'error'. */
  outcome: string;
  status: number;
  error_name: string | null;
  error_message: string | null;
  /** Refusals folded into this record after it (same address, operation, answer, minute). */
  repeats: Generated<number>;
  /** The CloudTrail event ID (migration 017; null in rows of earlier releases). */
  event_id: string | null;
  /** The key owner's name (`userIdentity.userName`). */
  user_name: string | null;
  /** The answer's members as JSON, sensitive ones masked (`responseElements`). */
  response: string | null;
}

/** Where audit events are delivered (audit/deliveries.ts): a webhook or a log-file directory. */
export interface TrailSinksTable {
  id: Generated<number>;
  /** 'webhook' or 'files'. */
  kind: string;
  /** The webhook's URL, or the directory the log files go to. */
  target: string;
  /** The webhook's HMAC key. */
  secret: string | null;
  /** An EventBridge-style event pattern as JSON; null: every event. */
  pattern: string | null;
  created_at: number;
}

/** One event to deliver to one sink: the durable queue of the trail's delivery worker. */
export interface TrailDeliveriesTable {
  id: Generated<number>;
  sink_id: number;
  audit_id: number;
  /** 'pending', 'delivered', 'skipped' (the sink's pattern does not match) or 'failed'. */
  status: string;
  attempts: Generated<number>;
  /** Due from then; a worker's lease moves it ahead while it delivers. */
  next_attempt_at: number;
  created_at: number;
  delivered_at: number | null;
  last_error: string | null;
}

export interface Database {
  access_keys: AccessKeysTable;
  id_registry: IdRegistryTable;
  networks: NetworksTable;
  security_groups: SecurityGroupsTable;
  members: MembersTable;
  member_groups: MemberGroupsTable;
  devices: DevicesTable;
  outbox: OutboxTable;
  idempotency: IdempotencyTable;
  server_secrets: ServerSecretsTable;
  data_retention: DataRetentionTable;
  guest_users: GuestUsersTable;
  guest_blocks: GuestBlocksTable;
  oidc_configs: OidcConfigsTable;
  oidc_ca_certificates: OidcCaCertificatesTable;
  opentdf_configs: OpentdfConfigsTable;
  console_sessions: ConsoleSessionsTable;
  audit_log: AuditLogTable;
  trail_sinks: TrailSinksTable;
  trail_deliveries: TrailDeliveriesTable;
  health_probe: HealthProbeTable;
  limit_counters: LimitCountersTable;
  scim_tokens: ScimTokensTable;
}

/** Migration 018: SCIM bearer tokens, one network each; only the token's SHA-256 is kept. */
export interface ScimTokensTable {
  token_id: string;
  network_id: string;
  token_hash: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

/** The row GET /health/ready writes to see that the database takes writes (write-probe.ts). */
export interface HealthProbeTable {
  name: string;
  probed_at: number;
}

export type AccessKeyRow = Selectable<AccessKeysTable>;
export type NetworkRow = Selectable<NetworksTable>;
export type SecurityGroupRow = Selectable<SecurityGroupsTable>;
export type MemberRow = Selectable<MembersTable>;
export type ScimTokenRow = Selectable<ScimTokensTable>;
export type NewMember = Insertable<MembersTable>;
export type MemberUpdate = Updateable<MembersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type DataRetentionRow = Selectable<DataRetentionTable>;
export type GuestUserRow = Selectable<GuestUsersTable>;
export type GuestBlockRow = Selectable<GuestBlocksTable>;
export type OidcConfigRow = Selectable<OidcConfigsTable>;
export type OpentdfConfigRow = Selectable<OpentdfConfigsTable>;

/**
 * The limits replicas share (pipeline/shared-limits.ts): a lockout's attempts or a token
 * bucket's tokens (`count`), when it was last counted (`at`, epoch ms) and, for a lockout, when
 * the next attempt may come (`until`, epoch ms; 0: now).
 */
export interface LimitCountersTable {
  name: string;
  count: number;
  at: number;
  until: Generated<number>;
}
