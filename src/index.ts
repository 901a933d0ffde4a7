/**
 * The package's entry (`wickr-admin-server`): an embedded server for test suites and its
 * helpers, the server itself, and the signed Admin API client (also its own entry,
 * `wickr-admin-server/client`).
 */
export {
  startEmbedded,
  type EmbeddedServer,
  type EmbeddedClock,
  type EmbeddedFaults,
  type EmbedOptions,
} from './embedded.js';
export { startServer, type RunningServer } from './server.js';
export { configFromEnv, type Config } from './config.js';
export { recordAudit, type AuditEntry } from './audit/record.js';
export { ApiError, type ErrorName } from './contract/errors.js';
export type { FixtureDoc } from './fixtures/format.js';
export type { SeedSummary } from './fixtures/seed.js';
export type { ResetOptions, MailFilter, MailMessage } from './surfaces/controls/controls.js';
export type { FaultRule, FaultRuleInput } from './surfaces/controls/faults.js';
export type { Clock, ClockState } from './clock.js';
export type { AuditFilter, AuditRecord } from './audit/list.js';

// The generic signed Admin API client (the CLI, the tests and the benchmark use it).
export * from './client/index.js';
// For the benchmark's seeding and its floor server: the server's own uname function and handlers.
export { unameOf } from './domain/member-identity.js';
export { handlers } from './domain/handlers.js';
// For the benchmark's networks of many users: a bulk insert through the members owner.
export { seedUsers, type BulkUser, type BulkSeedOptions } from './fixtures/bulk.js';
export { seedAuditRecords, type AuditSeedOptions } from './audit/bulk.js';
