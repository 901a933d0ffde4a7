/**
 * Walks docs/api.md's table of documented rules: every row must have a conformance test marked
 * `@rule("<id>")` (or `pytest.mark.rule("<id>")`), every such mark must name a row, and every
 * rule the server's code declares must have its row. So a rule cannot be dropped silently: not
 * from the docs, not from the tests, not from the code. Rows backed by code are also checked
 * here directly, keyed by their id.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEVICE_TYPES, deviceType } from '../src/domain/device-types.js';
import { DEFAULT_NETWORK_SETTINGS } from '../src/domain/network-settings.js';
import {
  AUTO_DOWNLOAD_SIZES,
  SECURITY_GROUP_RULES,
  SHREDDER_INTENSITIES,
  settingsReasons,
} from '../src/domain/security-group-rules.js';
import { DEFAULT_SECURITY_GROUP_SETTINGS, type Settings } from '../src/domain/security-group-settings.js';

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

/** Checks run here for rows whose rule lives in code importable without a server. */
const CHECKS: Record<string, () => void> = {
  'sg-defaults-valid': () => {
    expect(settingsReasons(DEFAULT_SECURITY_GROUP_SETTINGS)).toEqual([]);
  },
  'sg-auto-download-size': () => {
    for (const v of AUTO_DOWNLOAD_SIZES)
      expect(reasonsWith({ maxAutoDownloadSize: v })).toEqual([]);
    expect(fields(reasonsWith({ maxAutoDownloadSize: 0 }))).toEqual([
      'securityGroupSettings.maxAutoDownloadSize',
    ]);
  },
  'sg-shredder-intensity': () => {
    for (const v of SHREDDER_INTENSITIES) {
      expect(reasonsWith({ shredder: { canProcessManually: true, intensity: v } })).toEqual([]);
    }
    expect(fields(reasonsWith({ shredder: { intensity: 50 } }))).toEqual([
      'securityGroupSettings.shredder.intensity',
    ]);
  },
  'consent-close-label': () => {
    expect(DEFAULT_NETWORK_SETTINGS.consentPopup.closeButtonLabel).toBe('Acknowledge');
  },
  'device-type': () => {
    for (const t of ['MacOSX', 'Windows', 'iOS', 'Android']) {
      expect(DEVICE_TYPES).toContain(t);
      expect(deviceType(t)).toBe(t);
    }
    expect(deviceType('ios')).toBe('iOS');
    expect(deviceType('macos')).toBe('MacOSX');
    expect(deviceType('something else')).toBe('Unknown');
  },
};

const reasonsWith = (change: Partial<Settings>) =>
  settingsReasons({ ...DEFAULT_SECURITY_GROUP_SETTINGS, ...change } as Settings);
const fields = (reasons: { field: string }[]) => reasons.map((r) => r.field);

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

  for (const [id, check] of Object.entries(CHECKS)) {
    it(`checks row ${id}`, () => {
      expect(ids).toContain(id);
      check();
    });
  }
});
