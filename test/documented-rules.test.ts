/**
 * Walks docs/api.md's table of documented rules: every row must have a conformance test marked
 * `@rule("<id>")` (or `pytest.mark.rule("<id>")`), every such mark must name a row, and every
 * rule the server's code declares must have its row. So a rule cannot be dropped silently: not
 * from the docs, not from the tests, not from the code. Rows whose rule lives in code are
 * also checked here against the official model's own words (its documentation strings, read
 * from the model file or botocore's copy): the server's values come from the project, the
 * expected ones from the model, so neither can drift alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, sortKeyset } from '../src/domain/common.js';
import { DEVICE_TYPES, deviceType } from '../src/domain/device-types.js';
import { DEFAULT_NETWORK_SETTINGS, readSettings } from '../src/domain/network-settings.js';
import { MEMBER_STATUS } from '../src/domain/owners/members.js';
import { MIGRATION_STATE, newNetwork } from '../src/domain/owners/networks.js';
import {
  AUTO_DOWNLOAD_SIZES,
  FEDERATION_MODES,
  NON_SSO_SESSION_MINUTES,
  SECURITY_GROUP_RULES,
  SHREDDER_INTENSITIES,
  settingsReasons,
} from '../src/domain/security-group-rules.js';
import {
  DEFAULT_SECURITY_GROUP_SETTINGS,
  type Settings,
} from '../src/domain/security-group-settings.js';
import type { NetworkRow } from '../src/store/schema.js';
import { docOf, docsOf, documents, wickrModel } from './support/wickr-model.js';

const ROOT = join(import.meta.dirname, '..');

interface Row {
  id: string;
  cells: string[];
}

function documentedRules(): Row[] {
  const md = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const start = md.indexOf('\n## Documented rules');
  expect(start, 'docs/api.md has a "Documented rules" section').toBeGreaterThan(0);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end === -1 ? undefined : end);
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.push({ id: m[1]!, cells: m[2]!.split('|').map((c) => c.trim()) });
  }
  return rows;
}

function testedRules(): Map<string, string[]> {
  const dir = join(ROOT, 'test', 'conformance');
  const found = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.py'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/(?:@rule|pytest\.mark\.rule)\(\s*"([a-z0-9-]+)"\s*\)/g)) {
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), file]);
    }
  }
  return found;
}

/**
 * What the model says of a member; when the model at hand is older than the member (the
 * machine's botocore may be), what docs/api.md's row quotes of the newer model's words.
 */
function said(shape: string, member: string, row: string): string {
  if (documents(shape, member)) return docOf(shape, member);
  const cells = documentedRules().find((r) => r.id === row)?.cells;
  expect(cells, `docs/api.md has the row ${row}`).toBeDefined();
  return cells![1]!;
}

/** The numbers of a text, in order. */
const numbers = (text: string) => [...text.matchAll(/\d+/g)].map((m) => Number(m[0]));
/** What `text` says after `marker`, up to the end of its sentence or list. */
function after(text: string, marker: RegExp): string {
  const m = marker.exec(text);
  expect(m, `"${marker.source}" in "${text}"`).not.toBeNull();
  return text.slice(m!.index + m![0].length).split(/[.\]]/)[0]!;
}
/** "0 (Local federation), 1 (Restricted federation)" → { 'local federation': 0, ... } */
function valuesNamed(text: string): Record<string, number> {
  return Object.fromEntries(
    [...text.matchAll(/(\d+)\s*\(([^)]+)\)/g)].map((m) => [m[2]!.toLowerCase(), Number(m[1])]),
  );
}

const reasonsWith = (change: Partial<Settings>) =>
  settingsReasons({ ...DEFAULT_SECURITY_GROUP_SETTINGS, ...change } as Settings);
const fields = (reasons: { field: string }[]) => reasons.map((r) => r.field);

/**
 * Checks run here for rows whose rule lives in code importable without a server: the model's
 * documentation on one side, the server's values and behaviour on the other.
 */
const CHECKS: Record<string, () => void> = {
  'sg-defaults-valid': () => {
    expect(settingsReasons(DEFAULT_SECURITY_GROUP_SETTINGS)).toEqual([]);
  },
  'sg-auto-download-size': () => {
    // "Valid Values [512000 (low_quality), 7340032 (high_quality) ]"
    const doc = docOf('SecurityGroupSettings', 'maxAutoDownloadSize');
    const valid = numbers(after(doc, /Valid Values \[/));
    expect(valid.length).toBeGreaterThan(1);
    expect([...AUTO_DOWNLOAD_SIZES]).toEqual(valid);
    for (const v of valid) expect(reasonsWith({ maxAutoDownloadSize: v })).toEqual([]);
    expect(fields(reasonsWith({ maxAutoDownloadSize: valid[0]! + 1 }))).toEqual([
      'securityGroupSettings.maxAutoDownloadSize',
    ]);
  },
  'sg-shredder-intensity': () => {
    // "Valid Values: Must be one of [0, 20, 60, 100]"
    const valid = numbers(after(docOf('ShredderSettings', 'intensity'), /one of \[/));
    expect(valid.length).toBeGreaterThan(1);
    expect([...SHREDDER_INTENSITIES]).toEqual(valid);
    for (const v of valid) {
      expect(reasonsWith({ shredder: { canProcessManually: true, intensity: v } })).toEqual([]);
    }
    expect(fields(reasonsWith({ shredder: { intensity: 50 } }))).toEqual([
      'securityGroupSettings.shredder.intensity',
    ]);
  },
  'sg-non-sso-session': () => {
    // "Set to 0 to disable. Valid range is 60 to 525600 (1 hour to 365 days)."
    const doc = said('SecurityGroupSettings', 'maxNonSsoSessionMinutes', 'sg-non-sso-session');
    const [, min, max] = (/(\d+) to (\d+)/.exec(doc) ?? []).map(Number);
    expect(NON_SSO_SESSION_MINUTES).toEqual({ min, max });
    expect(doc).toMatch(/0 to disable/);
    for (const v of [0, min!, max!])
      expect(reasonsWith({ maxNonSsoSessionMinutes: v })).toEqual([]);
    expect(fields(reasonsWith({ maxNonSsoSessionMinutes: min! - 1 }))).toEqual([
      'securityGroupSettings.maxNonSsoSessionMinutes',
    ]);
  },
  'sg-federation-mode': () => {
    // The reading the server takes: the one on the operation that changes settings.
    const doc = docOf('UpdateSecurityGroupRequest', 'securityGroupSettings');
    const named = valuesNamed(after(doc, /Federation mode - /));
    expect(named).toEqual({
      'local federation': FEDERATION_MODES.local,
      'restricted federation': FEDERATION_MODES.restricted,
      'global federation': FEDERATION_MODES.global,
    });
  },
  'consent-close-label': () => {
    // 'Defaults to "Acknowledge" if not provided.'
    const doc = said('ConsentPopupConfig', 'closeButtonLabel', 'consent-close-label');
    const label = /defaults to "([^"]+)"/i.exec(doc)?.[1];
    expect(label).toBeDefined();
    const stored = (consentPopup: object) =>
      readSettings({ settings: JSON.stringify({ consentPopup }) } as NetworkRow).consentPopup;
    expect(stored({ enabled: true }).closeButtonLabel).toBe(label);
    expect(stored({ enabled: true, closeButtonLabel: '' }).closeButtonLabel).toBe(label);
    expect(DEFAULT_NETWORK_SETTINGS.consentPopup.closeButtonLabel).toBe(label);
  },
  'device-type': () => {
    // "The operating system of the device (e.g., 'MacOSX', 'Windows', 'iOS', 'Android')."
    const named = [...docOf('BasicDeviceObject', 'type').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const t of named) {
      expect(DEVICE_TYPES).toContain(t);
      expect(deviceType(t)).toBe(t);
    }
    expect(deviceType('ios')).toBe('iOS');
    expect(deviceType('macos')).toBe('MacOSX');
    expect(deviceType('something else')).toBe('Unknown');
  },
  'migration-state': () => {
    // "Values: 0 (not started), 1 (in progress), or 2 (completed)."
    for (const shape of ['Network', 'GetNetworkResponse']) {
      expect(valuesNamed(docOf(shape, 'migrationState'))).toEqual({
        'not started': MIGRATION_STATE.NOT_STARTED,
        'in progress': MIGRATION_STATE.IN_PROGRESS,
        completed: MIGRATION_STATE.COMPLETED,
      });
    }
    const row = newNetwork(
      { networkId: '1', accountId: '0', region: 'r', name: 'n', accessLevel: 'STANDARD' },
      0,
    );
    expect(row.migration_state).toBe(MIGRATION_STATE.NOT_STARTED);
  },
  'max-results': () => {
    // "Valid range is 1-100. Default is 10.", on every list.
    const docs = docsOf(/^List\w+Request$/, 'maxResults');
    expect(docs.length).toBeGreaterThan(5);
    for (const { shape, doc } of docs) {
      expect(Number(/Default is (\d+)/.exec(doc)?.[1]), shape).toBe(DEFAULT_PAGE_SIZE);
    }
  },
  'sort-direction': () => {
    // "Default is 'DESC'.", on every list.
    const docs = docsOf(/^List\w+Request$/, 'sortDirection');
    expect(docs.length).toBeGreaterThan(5);
    const unsorted = sortKeyset({}, { name: 'name' }, ['name'], 'id').direction;
    for (const { shape, doc } of docs) {
      expect(/Default is '(\w+)'/.exec(doc)?.[1]?.toLowerCase(), shape).toBe(unsorted);
    }
  },
};

describe('documented rules (docs/api.md)', () => {
  const rows = documentedRules();
  const ids = rows.map((r) => r.id);
  const tested = testedRules();

  it('has a table of rules with unique ids and every column filled', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rows) {
      expect(r.cells, r.id).toHaveLength(3);
      for (const c of r.cells) expect(c.length, r.id).toBeGreaterThan(0);
    }
  });

  it('has a conformance test for every row', () => {
    expect(ids.filter((id) => !tested.has(id))).toEqual([]);
  });

  it('has a row for every rule a conformance test names', () => {
    expect([...tested.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('has a row for every security group rule of the server', () => {
    expect(SECURITY_GROUP_RULES.map((r) => r.id).filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('reads the official model', () => {
    expect(Object.keys(wickrModel().shapes).length).toBeGreaterThan(100);
  });

  it("stores members' statuses as the model documents them", () => {
    // "The current status of the user (1 for pending invitation, 2 for active)."
    for (const shape of ['User', 'Bot']) {
      const doc = docOf(shape, 'status');
      expect(Number(/(\d+) for pending/.exec(doc)?.[1]), shape).toBe(MEMBER_STATUS.PENDING);
      expect(Number(/(\d+) for active/.exec(doc)?.[1]), shape).toBe(MEMBER_STATUS.ACTIVE);
    }
  });

  for (const [id, check] of Object.entries(CHECKS)) {
    it(`checks row ${id}`, () => {
      expect(ids).toContain(id);
      check();
    });
  }
});
