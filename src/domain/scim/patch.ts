/**
 * RFC 7644 PatchOp applied by scim-patch: the resource as it is, patched, is then read as the
 * state it asks for, exactly as a PUT's body (values.ts), and that state applied. So a PATCH
 * and a PUT share every rule, and a PatchOp Okta or Entra ID sends (path-less value maps,
 * `"Replace"`, `members[value eq "…"]` filters) is read by a maintained implementation.
 */
import { scimPatch, ScimError as PatchError, type ScimPatchOperation } from 'scim-patch';
import { ScimError, type ScimType } from '../../contract/scim-errors.js';
import type { Json } from './resources.js';
import type { PatchOperation } from './values.js';

/**
 * Entra ID removes members as `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`:
 * scim-patch would remove only members equal to those objects in whole (ours carry `display`
 * and `$ref` too), so each is read as what it means, `members[value eq "<id>"]`.
 */
function byValueFilter(op: PatchOperation): PatchOperation[] {
  if (op.op !== 'remove' || op.path === undefined || /[[.]/.test(op.path)) return [op];
  if (!Array.isArray(op.value)) return [op];
  const values = op.value.map((v: unknown) =>
    v && typeof v === 'object' ? (v as Json)['value'] : undefined,
  );
  if (!values.every((v): v is string => typeof v === 'string')) return [op];
  return values.map((v) => ({ op: 'remove', path: `${op.path!}[value eq ${JSON.stringify(v)}]` }));
}

/** `resource` with `operations` applied (a copy: the resource given is left as it is). */
export function applyPatch(resource: Json, operations: PatchOperation[]): Json {
  const copy = structuredClone(resource) as Json & { schemas: string[] };
  try {
    return scimPatch(copy as never, operations.flatMap(byValueFilter) as ScimPatchOperation[], {
      mutateDocument: true,
      treatMissingAsAdd: true,
    });
  } catch (e) {
    if (e instanceof PatchError) {
      const type = (e.scimCode ?? 'invalidValue') as ScimType;
      throw new ScimError(400, type, `The PatchOp cannot be applied: ${e.message}`);
    }
    throw e;
  }
}
