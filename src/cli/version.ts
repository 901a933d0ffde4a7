/** The package's version, for `wickr-admin --version`. */
import { readFileSync } from 'node:fs';

/**
 * Read from the package's own package.json: the nearest one above this module that names the
 * package (one level above the bundle, dist/wickr-admin.mjs; two above dist/cli/version.js).
 */
export function packageVersion(from: string = import.meta.url): string {
  for (let dir = new URL('./', from); ;) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'wickr-admin-server' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here: look one level up.
    }
    const up = new URL('../', dir);
    if (up.href === dir.href) return 'unknown';
    dir = up;
  }
}
