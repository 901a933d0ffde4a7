import { describe, expect, it } from 'vitest';
import { OUTBOX_FILTER_STATUSES } from '../src/contract/extensions/console.js';
import { OUTBOX_STATUSES } from '../src/domain/owners/outbox.js';

describe('outbox statuses', () => {
  it('the console filter (ListOutboxMessages) takes every status a message can have', () => {
    expect([...OUTBOX_FILTER_STATUSES].sort()).toEqual([...OUTBOX_STATUSES].sort());
  });
});
