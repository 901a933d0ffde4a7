#!/usr/bin/env node
// Restores lockfile entries for other platforms' optional packages (e.g. @rollup/rollup-darwin-arm64).
//
// Why: when the registry a lockfile is written against does not serve some platform packages,
// `npm install` drops them from package-lock.json, and `npm ci` then refuses the lockfile
// ("Missing: @rollup/rollup-android-arm64@ from lock file") even though it would never install
// them on this platform. An entry with the exact version and its os/cpu/libc is all `npm ci`
// needs: it checks the entry and skips the package as foreign to this machine.
//
// Usage, in the project folder: node scripts/fix-lockfile.mjs   (after any `npm install` that changed the lockfile)
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'aix',
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
];
const CPU = ['arm64', 'arm', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x', 'x64'];

/** os/cpu/libc from a platform package name such as `rollup-linux-arm-musleabihf`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os || !cpu) return undefined;
  const tail = parts.slice(parts.indexOf(cpu) + 1).join('-');
  const libc =
    os !== 'linux'
      ? undefined
      : tail.startsWith('musl')
        ? 'musl'
        : tail.startsWith('gnu')
          ? 'glibc'
          : undefined;
  return { os, cpu, libc };
}

const file = 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${path}/${key}`]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+$/.test(spec)) {
      process.stderr.write(
        `left alone: ${dep}@${spec} (needed by ${path}): not an exact platform package\n`,
      );
      continue;
    }
    lock.packages[key] = {
      version: spec,
      cpu: [platform.cpu],
      ...(entry.dev ? { dev: true } : {}),
      ...(platform.libc ? { libc: [platform.libc] } : {}),
      ...(entry.license ? { license: entry.license } : {}),
      optional: true,
      os: [platform.os],
    };
    added.push(`${dep}@${spec}`);
  }
}
if (added.length) {
  // npm keeps `packages` sorted by path, the root ('') first.
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b, 'en')),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
process.stdout.write(
  added.length
    ? `Added ${added.length} lockfile entries:\n  ${added.join('\n  ')}\n`
    : 'Nothing to add.\n',
);
