/**
 * How a ValidationError's `reasons[].field` names a member: `users[3].username`, the format
 * AWS's errors use. The input validator, the fixture format and anything else that reports
 * a member of a document by its JSON pointer write it so.
 */

/** `/users/3/username` → `users[3].username` */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}
