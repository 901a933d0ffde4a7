/**
 * The official Wickr model (botocore's service-2.json), read for what it says in its
 * documentation strings: `../shared/wickr-model/` beside the checkout when it exists, the
 * machine's botocore otherwise, the newer of the two when both are there (as the conformance
 * suite's `model()` chooses). Read, never copied into the project.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Member {
  documentation?: string;
}
interface Shape {
  documentation?: string;
  members?: Record<string, Member>;
}
export interface WickrModel {
  source: string;
  shapes: Record<string, Shape>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = join(ROOT, '..', 'shared', 'wickr-model', 'service-2.json');

function fromBotocore(): WickrModel | undefined {
  const script =
    "import json, sys, botocore, botocore.loaders; m = botocore.loaders.Loader().load_service_model('wickr', 'service-2'); json.dump({'source': 'botocore ' + botocore.__version__, 'shapes': m['shapes']}, sys.stdout)";
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? (JSON.parse(r.stdout) as WickrModel) : undefined;
}

let cached: WickrModel | undefined;

/** The newest model there is; throws when there is none (a test needs it, never skips). */
export function wickrModel(): WickrModel {
  if (cached) return cached;
  const found: WickrModel[] = [];
  if (existsSync(SHARED)) {
    const m = JSON.parse(readFileSync(SHARED, 'utf8')) as { shapes: Record<string, Shape> };
    found.push({ source: SHARED, shapes: m.shapes });
  }
  const b = fromBotocore();
  if (b) found.push(b);
  if (found.length === 0) {
    throw new Error(
      `No Wickr model: neither ${SHARED} nor botocore's (python3 -c 'import botocore')`,
    );
  }
  // A later revision of the same API version only adds shapes and members.
  const size = (m: WickrModel) =>
    Object.values(m.shapes).reduce((n, s) => n + 1 + Object.keys(s.members ?? {}).length, 0);
  cached = found.sort((a, b2) => size(b2) - size(a))[0]!;
  return cached;
}

/** Whether the model documents a member (an older botocore lacks some). */
export function documents(shape: string, member: string): boolean {
  return wickrModel().shapes[shape]?.members?.[member]?.documentation !== undefined;
}

/** A member's documentation, as text (tags removed, white space folded). */
export function docOf(shape: string, member: string): string {
  const d = wickrModel().shapes[shape]?.members?.[member]?.documentation;
  if (d === undefined) throw new Error(`The model documents no ${shape}.${member}`);
  return d
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The members of every shape named `member` whose shape name matches `shape`. */
export function docsOf(shape: RegExp, member: string): { shape: string; doc: string }[] {
  return Object.entries(wickrModel().shapes)
    .filter(([name, s]) => shape.test(name) && s.members?.[member] !== undefined)
    .map(([name]) => ({ shape: name, doc: docOf(name, member) }));
}
