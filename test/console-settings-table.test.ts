/**
 * The console's security-group form (web/src/security-group-settings.ts) against the contract's
 * SecurityGroupSettings schema: every member, nested ones included, has a label, help and a
 * section, and a control fit for its type; every choice offered is one the server accepts.
 * Its type already makes the console's typecheck fail on a missing member; this test says
 * which, and checks what types cannot (labels that are words, choices the server's rules take).
 */
import { describe, expect, it } from 'vitest';
import type { TSchema } from '@sinclair/typebox';
import { SecurityGroupSettings } from '../src/contract/security-groups.js';
import {
  AUTO_DOWNLOAD_SIZES,
  FEDERATION_MODES,
  SHREDDER_INTENSITIES,
} from '../src/domain/security-group-rules.js';
import { SECTIONS, SETTINGS, type Spec } from '../web/src/security-group-settings.js';

type Props = Record<string, TSchema>;

/** The control kind a schema member needs. */
function kindOf(s: TSchema): Spec['kind'] {
  if (s['type'] === 'boolean') return 'bool';
  if (s['type'] === 'integer' || s['type'] === 'number') return 'number';
  if (s['type'] === 'array')
    return (s['items'] as TSchema)['type'] === 'object' ? 'records' : 'list';
  if (s['type'] === 'object') return 'group';
  throw new Error(`no control for a ${String(s['type'])}`);
}

/** Every problem of `table` against `props`, as "path: problem". */
function problems(props: Props, table: Record<string, Spec | undefined>, at = ''): string[] {
  const out: string[] = [];
  for (const [name, schema] of Object.entries(props)) {
    const path = `${at}${name}`;
    const spec = table[name];
    if (!spec) {
      out.push(`${path}: no label`);
      continue;
    }
    if (spec.kind !== kindOf(schema))
      out.push(`${path}: ${spec.kind} control for a ${kindOf(schema)}`);
    if (!/^[A-Z].*[a-z]/.test(spec.label) || spec.label.toLowerCase() === name.toLowerCase())
      out.push(`${path}: label "${spec.label}" is not words`);
    if (spec.help.trim().length < 10) out.push(`${path}: no help`);
    if (spec.kind === 'group')
      out.push(
        ...problems(
          schema['properties'] as Props,
          spec.members as Record<string, Spec>,
          `${path}.`,
        ),
      );
    if (spec.kind === 'records') {
      const members = (schema['items'] as TSchema)['properties'] as Props;
      const labelled = spec.members as Record<string, { label: string }>;
      for (const m of Object.keys(members))
        if (!labelled[m]?.label) out.push(`${path}[].${m}: no label`);
    }
  }
  for (const name of Object.keys(table))
    if (!(name in props)) out.push(`${at}${name}: not a member of the contract`);
  return out;
}

describe("the console's security-group settings table", () => {
  it('labels every member of the contract, with a control fit for its type', () => {
    expect(problems(SecurityGroupSettings.properties as Props, SETTINGS)).toEqual([]);
  });

  it('fails on a member without a label', () => {
    const { maxBor: _, ...without } = SETTINGS;
    expect(problems(SecurityGroupSettings.properties as Props, without)).toEqual([
      'maxBor: no label',
    ]);
    const nested = {
      ...SETTINGS,
      calling: {
        ...SETTINGS.calling,
        members: { ...SETTINGS.calling.members, canVideoCall: undefined },
      },
    };
    expect(
      problems(SecurityGroupSettings.properties as Props, nested as unknown as typeof SETTINGS),
    ).toEqual(['calling.canVideoCall: no label']);
  });

  it('puts every member in one of the AWS console sections', () => {
    expect(new Set(Object.values(SETTINGS).map((s) => s.section))).toEqual(new Set(SECTIONS));
  });

  it('offers as choices exactly the values the server accepts', () => {
    const values = (spec: Spec) =>
      spec.kind === 'number' ? spec.choices?.map((c) => c.value) : [];
    expect(values(SETTINGS.federationMode)).toEqual(Object.values(FEDERATION_MODES));
    expect(values(SETTINGS.maxAutoDownloadSize)).toEqual([...AUTO_DOWNLOAD_SIZES]);
    expect(values(SETTINGS.shredder.members.intensity)).toEqual([...SHREDDER_INTENSITIES]);
    // The words match the server's reading of federationMode (0 local, 1 restricted, 2 global).
    expect(SETTINGS.federationMode.choices?.map((c) => c.label.split(':')[0])).toEqual([
      'Local',
      'Restricted',
      'Global',
    ]);
  });
});
