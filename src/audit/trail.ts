/**
 * Where the pipeline's audit step writes: a change's record in the change's own transaction,
 * and a refusal's record on its own.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { recordAudit, type AuditEntry } from './record.js';

export class AuditTrail {
  constructor(private readonly db: Kysely<Database>) {}

  /** A change's record, with `db` (the change's transaction). */
  record(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
    return recordAudit(db, entry);
  }

  /** A refusal's record. */
  refused(entry: AuditEntry, _authenticated: boolean): Promise<void> {
    return recordAudit(this.db, entry);
  }
}
