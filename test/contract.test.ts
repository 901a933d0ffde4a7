/**
 * The hand-written contract (src/contract) checked against the official Wickr Admin API model.
 *
 * The model is the newer of ../shared/wickr-model/service-2.json (when that folder exists) and
 * the machine's botocore (when it has the service): a fresh clone without ../shared compares
 * with botocore's, which may be older. Nothing from the model is copied into the project: this
 * test only compares. Every difference is reported as one line naming the operation and member
 * path, so a failure reads as a list of what to fix.
 *
 * A member the model has and the contract lacks is always a failure. A member the contract has
 * and the model lacks is one too, unless the model is older than the one the contract follows
 * (fewer shapes than CONTRACT_MODEL_SHAPES): then it is reported, not failed.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract, operations, ERROR_STATUS } from '../src/contract/index.js';

// ---------------------------------------------------------------------------------------------
// The model, as far as this test needs it.

interface ModelMember {
  shape: string;
  location?: string;
  locationName?: string;
  idempotencyToken?: boolean;
  documentation?: string;
}

interface ModelShape {
  type: string;
  members?: Record<string, ModelMember>;
  required?: string[];
  member?: ModelMember;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  exception?: boolean;
  error?: { httpStatusCode?: number };
}

interface ModelOperation {
  name: string;
  http: { method: string; requestUri: string };
  input?: { shape: string };
  output?: { shape: string };
  errors?: { shape: string }[];
}

interface Model {
  metadata: { apiVersion: string };
  operations: Record<string, ModelOperation>;
  shapes: Record<string, ModelShape>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The number of shapes of the model revision the contract follows (it adds consentPopup and
 * maxNonSsoSessionMinutes). A model with fewer shapes is an older revision.
 */
const CONTRACT_MODEL_SHAPES = 175;

/** Each model there is: ../shared's (unless WICKR_MODEL_SOURCE=botocore) and botocore's. */
function candidateModels(): { model: Model; source: string }[] {
  const found: { model: Model; source: string }[] = [];
  const file = path.resolve(repoRoot, '..', 'shared', 'wickr-model', 'service-2.json');
  if (process.env.WICKR_MODEL_SOURCE !== 'botocore' && existsSync(file)) {
    found.push({ model: JSON.parse(readFileSync(file, 'utf8')) as Model, source: file });
  }
  const script =
    'import json, botocore, botocore.loaders; ' +
    'print(botocore.__version__); ' +
    'print(json.dumps(botocore.loaders.Loader().load_service_model("wickr", "service-2")))';
  try {
    const out = execFileSync('python3', ['-c', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nl = out.indexOf('\n');
    found.push({
      model: JSON.parse(out.slice(nl + 1)) as Model,
      source: `botocore ${out.slice(0, nl)}`,
    });
  } catch (err) {
    if (found.length === 0) throw err;
  }
  return found;
}

/** A later revision of the same API version only adds shapes and members. */
const size = (m: Model) => {
  const shapes = Object.values(m.shapes);
  return [shapes.length, shapes.reduce((n, s) => n + Object.keys(s.members ?? {}).length, 0)];
};

function loadModel(): { model: Model; source: string } {
  const newest = candidateModels().sort((a, b) => {
    const [sa, ma] = size(a.model);
    const [sb, mb] = size(b.model);
    return sb! - sa! || mb! - ma!;
  })[0]!;
  return newest;
}

const { model, source } = loadModel();
/** The model predates the contract's: members beyond it are reported, not failed. */
const olderModel = Object.keys(model.shapes).length < CONTRACT_MODEL_SHAPES;
/** Members the contract has beyond an older model, for the report. */
const beyondModel: string[] = [];

function shapeOf(name: string): ModelShape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Our schemas, walked as plain JSON-Schema-like objects.

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  [annotation: string]: unknown;
}

function kindOf(s: Schema): string {
  if (s['x-kind'] === 'long') return 'long';
  if (s['x-kind'] === 'timestamp') return 'timestamp';
  switch (s.type) {
    case 'string':
    case 'integer':
    case 'boolean':
      return s.type;
    case 'array':
      return 'list';
    case 'object':
      return 'structure';
    default:
      return `unknown(${String(s.type)})`;
  }
}

/** Which keyword of ours holds the model's min/max for a kind. */
const BOUND_KEYS: Record<string, { min: string; max: string } | undefined> = {
  string: { min: 'minLength', max: 'maxLength' },
  integer: { min: 'minimum', max: 'maximum' },
  long: { min: 'minimum', max: 'maximum' },
  list: { min: 'minItems', max: 'maxItems' },
};

/**
 * Bounds the model states only in a member's documentation. Ours may add a bound the model
 * lacks only if the member's documentation states that very bound.
 */
function documentedBounds(doc: string | undefined): { min?: number; max?: number } {
  const text = (doc ?? '').replace(/<[^>]+>/g, ' ');
  let m = /between (\d+) and (\d+) characters/i.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /Valid range is (\d+)\s*-\s*(\d+)/i.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  // "Maximum 50 users per batch request": a batch also needs at least one item.
  m = /Maximum (\d+) \w+ per batch request/i.exec(text);
  if (m) return { min: 1, max: Number(m[1]) };
  return {};
}

const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));

/**
 * Compares one of our schemas with a model shape, recursively, appending a line to `out` for
 * every difference. `member` is the model member that refers to the shape (for its docs).
 */
function compareShape(
  shapeName: string,
  schema: Schema,
  where: string,
  out: string[],
  member?: ModelMember,
  seen: ReadonlySet<string> = new Set(),
): void {
  const shape = shapeOf(shapeName);
  const kind = kindOf(schema);
  if (kind !== shape.type) {
    out.push(`${where}: type is ${kind}, model ${shapeName} is ${shape.type}`);
    return;
  }

  // Bounds.
  const keys = BOUND_KEYS[kind];
  if (keys) {
    const documented = documentedBounds(member?.documentation);
    let usesDocumented = false;
    for (const which of ['min', 'max'] as const) {
      const theirs = shape[which];
      const ours = schema[keys[which]];
      if (theirs !== undefined) {
        if (ours !== theirs)
          out.push(`${where}: ${keys[which]} is ${show(ours)}, model ${which} is ${theirs}`);
      } else if (ours !== undefined) {
        usesDocumented = true;
        if (ours !== documented[which]) {
          out.push(
            `${where}: ${keys[which]} is ${show(ours)} but the model has no ${which}` +
              (documented[which] !== undefined
                ? ` (documented: ${documented[which]})`
                : ' and documents none'),
          );
        }
      }
    }
    if (kind === 'list') {
      const marked = schema['x-documented'] === true;
      if (usesDocumented && !marked) out.push(`${where}: documented list bounds lack x-documented`);
      if (marked && !usesDocumented)
        out.push(`${where}: x-documented but no bound comes from documentation`);
    }
  }

  // Strings: pattern, enum, sensitivity.
  if (kind === 'string') {
    const xPattern = schema['x-pattern'];
    if (xPattern !== shape.pattern) {
      out.push(`${where}: x-pattern is ${show(xPattern)}, model pattern is ${show(shape.pattern)}`);
    }
    const expectedPattern = shape.pattern === undefined ? undefined : `^(?:${shape.pattern})$`;
    if (schema.pattern !== expectedPattern) {
      out.push(`${where}: pattern is ${show(schema.pattern)}, expected ${show(expectedPattern)}`);
    }
    if (JSON.stringify(schema.enum) !== JSON.stringify(shape.enum)) {
      out.push(`${where}: enum is ${show(schema.enum)}, model enum is ${show(shape.enum)}`);
    }
    if ((schema['x-sensitive'] === true) !== (shape.sensitive === true)) {
      out.push(
        `${where}: x-sensitive is ${show(schema['x-sensitive'])}, model sensitive is ${show(shape.sensitive)}`,
      );
    }
  } else if (schema.enum !== undefined || schema['x-pattern'] !== undefined) {
    out.push(`${where}: enum/pattern on a ${kind}`);
  }

  if (kind === 'list') {
    if (!shape.member) throw new Error(`model list ${shapeName} has no member`);
    if (!schema.items) {
      out.push(`${where}: list without items`);
      return;
    }
    compareShape(shape.member.shape, schema.items, `${where}[]`, out, undefined, seen);
    return;
  }

  if (kind === 'structure') {
    if (seen.has(shapeName)) return; // recursive shapes: compared once
    const nextSeen = new Set(seen).add(shapeName);
    const theirMembers = shape.members ?? {};
    const ourMembers = schema.properties ?? {};
    for (const name of Object.keys(theirMembers)) {
      if (!(name in ourMembers)) out.push(`${where}.${name}: missing (model ${shapeName} has it)`);
    }
    for (const name of Object.keys(ourMembers)) {
      if (name in theirMembers) continue;
      if (olderModel) beyondModel.push(`${where}.${name} (not in ${shapeName})`);
      else out.push(`${where}.${name}: not in model ${shapeName}`);
    }
    const theirRequired = [...(shape.required ?? [])].sort();
    // Required members of ours the older model does not know are beyond it as well.
    const ourRequired = [...(schema.required ?? [])]
      .filter((n) => !olderModel || n in theirMembers)
      .sort();
    if (JSON.stringify(theirRequired) !== JSON.stringify(ourRequired)) {
      out.push(
        `${where}: required is ${show(ourRequired)}, model ${shapeName} requires ${show(theirRequired)}`,
      );
    }
    for (const [name, m] of Object.entries(theirMembers)) {
      const ours = ourMembers[name];
      if (!ours) continue;
      const at = `${where}.${name}`;
      compareBinding(m, name, ours, at, out);
      compareShape(m.shape, ours, at, out, m, nextSeen);
    }
  }
}

/** Where a member travels, under which wire name, and whether it is the idempotency token. */
function compareBinding(
  m: ModelMember,
  name: string,
  ours: Schema,
  at: string,
  out: string[],
): void {
  const location = ours['x-location'];
  if (location !== m.location) {
    out.push(`${at}: x-location is ${show(location)}, model location is ${show(m.location)}`);
  }
  const expectedName = m.locationName;
  const ourName = ours['x-name'] ?? (location !== undefined ? name : undefined);
  if (ourName !== expectedName) {
    out.push(`${at}: wire name is ${show(ourName)}, model locationName is ${show(expectedName)}`);
  }
  if ((ours['x-idempotency'] === true) !== (m.idempotencyToken === true)) {
    out.push(
      `${at}: x-idempotency is ${show(ours['x-idempotency'])}, model idempotencyToken is ${show(m.idempotencyToken)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

describe(`contract vs the official model (${source})`, () => {
  const modelNames = Object.keys(model.operations).sort();
  const ourNames = Object.keys(contract).sort();

  it('is the 2024-02-01 model with 44 operations', () => {
    expect(model.metadata.apiVersion).toBe('2024-02-01');
    expect(modelNames).toHaveLength(44);
  });

  it('has exactly the model operations', () => {
    expect(ourNames).toEqual(modelNames);
    expect(operations).toHaveLength(modelNames.length);
    expect(operations.map((o) => o.name).sort()).toEqual(modelNames);
  });

  it('maps every model error to its HTTP status', () => {
    const theirs: Record<string, number | undefined> = {};
    for (const [name, s] of Object.entries(model.shapes)) {
      if (s.exception) theirs[name] = s.error?.httpStatusCode;
    }
    expect({ ...ERROR_STATUS }).toEqual(theirs);
  });

  for (const name of modelNames) {
    it(name, () => {
      const theirs = model.operations[name]!;
      const ours = (contract as Record<string, (typeof operations)[number] | undefined>)[name];
      expect(ours, `${name} is missing from the contract`).toBeDefined();
      if (!ours) return;
      const problems: string[] = [];

      if (ours.name !== name) problems.push(`${name}: name is ${show(ours.name)}`);
      if (!ours.summary || /\n/.test(ours.summary))
        problems.push(`${name}: summary must be one non-empty line`);
      if (ours.method !== theirs.http.method) {
        problems.push(`${name}: method is ${ours.method}, model ${theirs.http.method}`);
      }
      if (ours.path !== theirs.http.requestUri) {
        problems.push(`${name}: path is ${ours.path}, model ${theirs.http.requestUri}`);
      }

      const theirErrors = (theirs.errors ?? []).map((e) => e.shape).sort();
      const ourErrors = [...ours.errors].sort();
      if (JSON.stringify(ourErrors) !== JSON.stringify(theirErrors)) {
        problems.push(`${name}: errors are ${show(ourErrors)}, model ${show(theirErrors)}`);
      }

      if (!theirs.input || !theirs.output)
        throw new Error(`${name} lacks input or output in the model`);
      compareShape(theirs.input.shape, ours.input as unknown as Schema, `${name}.input`, problems);
      compareShape(
        theirs.output.shape,
        ours.output as unknown as Schema,
        `${name}.output`,
        problems,
      );

      // Every URI label in the path is bound by exactly one uri member, and vice versa.
      const labels = [...ours.path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]).sort();
      const props = (ours.input as unknown as Schema).properties ?? {};
      const uriMembers = Object.entries(props)
        .filter(([, s]) => s['x-location'] === 'uri')
        .map(([n, s]) => (typeof s['x-name'] === 'string' ? s['x-name'] : n))
        .sort();
      if (JSON.stringify(labels) !== JSON.stringify(uriMembers)) {
        problems.push(`${name}: path labels ${show(labels)} vs uri members ${show(uriMembers)}`);
      }

      expect(problems, `${name} differs from the model`).toEqual([]);
    });
  }

  it('reports members the contract has beyond an older model', () => {
    // Not a failure: the model in use predates the contract's (e.g. botocore on a fresh clone).
    if (beyondModel.length > 0) {
      console.warn(
        `The model in use (${source}, ${Object.keys(model.shapes).length} shapes) is older than ` +
          `the contract's (${CONTRACT_MODEL_SHAPES}); members beyond it:\n  ${[...new Set(beyondModel)].join('\n  ')}`,
      );
    }
    expect(olderModel || beyondModel.length === 0).toBe(true);
  });

  it('gives every List operation the four documented paging members', () => {
    const problems: string[] = [];
    for (const name of modelNames.filter((n) => n.startsWith('List'))) {
      const props =
        (contract[name as keyof typeof contract].input as unknown as Schema).properties ?? {};
      for (const p of ['nextToken', 'maxResults', 'sortFields', 'sortDirection']) {
        const s = props[p];
        if (!s) problems.push(`${name}.${p}: missing`);
        else if (s['x-location'] !== 'querystring' || s['x-name'] !== p)
          problems.push(`${name}.${p}: not ?${p}`);
      }
      const max = props.maxResults;
      if (max && (max.minimum !== 1 || max.maximum !== 100))
        problems.push(`${name}.maxResults: not 1-100`);
    }
    expect(problems).toEqual([]);
  });
});
