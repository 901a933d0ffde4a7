/**
 * A device's `type` is "the operating system of the device (e.g. 'MacOSX', 'Windows', 'iOS',
 * 'Android')". Clients register with whatever platform string they send (`ios`, `macos`,
 * `Win64`...); the server keeps and reports the operating system's name in that spelling.
 */
export const DEVICE_TYPES = ['MacOSX', 'Windows', 'iOS', 'Android', 'Linux', 'Unknown'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Prefixes of lowercased platform names (letters and digits only), by operating system. */
const PREFIXES: readonly [string, DeviceType][] = [
  ['android', 'Android'],
  ['ios', 'iOS'],
  ['iphone', 'iOS'],
  ['ipad', 'iOS'],
  ['mac', 'MacOSX'],
  ['osx', 'MacOSX'],
  ['darwin', 'MacOSX'],
  ['win', 'Windows'],
  ['linux', 'Linux'],
  ['ubuntu', 'Linux'],
  ['debian', 'Linux'],
  ['fedora', 'Linux'],
  ['rhel', 'Linux'],
  ['redhat', 'Linux'],
];

/** The documented operating system name for a registered platform; `Unknown` if none fits. */
export function deviceType(platform: string): DeviceType {
  const key = platform.toLowerCase().replace(/[^a-z0-9]/g, '');
  return PREFIXES.find(([prefix]) => key.startsWith(prefix))?.[1] ?? 'Unknown';
}
