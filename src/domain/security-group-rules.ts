/**
 * The rules the API's documentation states for security group settings, beyond what the model's
 * types say. CreateSecurityGroup and UpdateSecurityGroup judge the complete settings a group
 * would have after the change (stored settings merged with the request), so an update cannot
 * leave a group in a combination the documentation calls invalid.
 *
 * Each rule has an id that names its row in docs/api.md's table of documented rules; a test
 * checks that every rule here has its row and that every row is tested.
 */
import type { Static } from '@sinclair/typebox';
import type { SecurityGroupSettings } from '../contract/security-groups.js';
import type { Reason } from '../contract/errors.js';

type Settings = Static<typeof SecurityGroupSettings>;

/** "Valid Values [512000 (low_quality), 7340032 (high_quality)]". */
export const AUTO_DOWNLOAD_SIZES = [512_000, 7_340_032] as const;
/** What a group with file download enabled reports when none was chosen: low quality. */
export const DEFAULT_AUTO_DOWNLOAD_SIZE = AUTO_DOWNLOAD_SIZES[0];
export const SHREDDER_INTENSITIES = [0, 20, 60, 100] as const;
export const NON_SSO_SESSION_MINUTES = { min: 60, max: 525_600 } as const;
/**
 * federationMode as UpdateSecurityGroup documents it: 0 local, 1 restricted, 2 global. (The
 * settings shapes say "0 none, 1 federated, 2 restricted"; see docs/api.md for the choice.)
 */
export const FEDERATION_MODES = { local: 0, restricted: 1, global: 2 } as const;

export interface SettingsRule {
  /** The row of docs/api.md's table of documented rules. */
  id: string;
  /** The settings member the reason names (below `securityGroupSettings.`). */
  field: string;
  /** Why the settings break the rule, or undefined when they keep it. */
  check(s: Settings): string | undefined;
}

const oneOf = (v: number | undefined, values: readonly number[]) =>
  v === undefined || values.includes(v);

export const SECURITY_GROUP_RULES: readonly SettingsRule[] = [
  {
    id: 'sg-federation-mode',
    field: 'federationMode',
    check: (s) =>
      oneOf(s.federationMode, Object.values(FEDERATION_MODES))
        ? undefined
        : 'must be 0 (local), 1 (restricted) or 2 (global)',
  },
  {
    id: 'sg-auto-download-size',
    field: 'maxAutoDownloadSize',
    check: (s) =>
      oneOf(s.maxAutoDownloadSize, AUTO_DOWNLOAD_SIZES)
        ? undefined
        : 'must be 512000 (low quality) or 7340032 (high quality)',
  },
  {
    id: 'sg-auto-download-needs-file-download',
    field: 'maxAutoDownloadSize',
    check: (s) =>
      s.maxAutoDownloadSize !== undefined && s.enableFileDownload === false
        ? 'is only allowed when enableFileDownload is true'
        : undefined,
  },
  {
    id: 'sg-shredder-intensity',
    field: 'shredder.intensity',
    check: (s) =>
      oneOf(s.shredder?.intensity, SHREDDER_INTENSITIES)
        ? undefined
        : 'must be one of 0, 20, 60, 100',
  },
  {
    id: 'sg-non-sso-session',
    field: 'maxNonSsoSessionMinutes',
    check: (s) => {
      const v = s.maxNonSsoSessionMinutes;
      if (v === undefined || v === 0) return undefined;
      return v >= NON_SSO_SESSION_MINUTES.min && v <= NON_SSO_SESSION_MINUTES.max
        ? undefined
        : 'must be 0 (disabled) or from 60 to 525600 minutes';
    },
  },
  {
    id: 'sg-video-needs-calls',
    field: 'calling.canVideoCall',
    check: (s) =>
      s.calling?.canVideoCall === true && s.calling.canStart11Call !== true
        ? 'is only valid when calling.canStart11Call is true'
        : undefined,
  },
  {
    id: 'sg-device-lockout-below-threshold',
    field: 'forceDeviceLockout',
    // 0 turns the device reset off, and then there is nothing to compare.
    check: (s) =>
      (s.forceDeviceLockout ?? 0) > 0 && s.forceDeviceLockout! >= (s.lockoutThreshold ?? 0)
        ? `must be less than lockoutThreshold (${s.lockoutThreshold ?? 0}), or 0 to turn it off`
        : undefined,
  },
  {
    id: 'sg-force-open-access',
    field: 'forceOpenAccess',
    check: (s) =>
      s.forceOpenAccess === true && s.enableOpenAccessOption !== true
        ? 'is only valid when enableOpenAccessOption is true'
        : undefined,
  },
  {
    id: 'sg-maps-need-location',
    field: 'locationAllowMaps',
    check: (s) =>
      s.locationAllowMaps === true && s.locationEnabled !== true
        ? 'is only allowed when locationEnabled is true'
        : undefined,
  },
  {
    id: 'sg-restricted-global-federation',
    field: 'enableRestrictedGlobalFederation',
    check: (s) =>
      s.enableRestrictedGlobalFederation === true && s.globalFederation !== true
        ? 'requires globalFederation to be true'
        : undefined,
  },
  {
    id: 'sg-guest-federation',
    field: 'enableGuestFederation',
    check: (s) =>
      s.enableGuestFederation === true && s.federationMode !== FEDERATION_MODES.global
        ? 'is only valid when federationMode is 2 (global)'
        : undefined,
  },
];

const NON_NEGATIVE = [
  'lockoutThreshold',
  'forceDeviceLockout',
  'maxBor',
  'maxTtl',
  'ssoMaxIdleMinutes',
] as const;

/** Every reason the complete settings `s` break a documented rule, or a count that is negative. */
export function settingsReasons(s: Settings, prefix = 'securityGroupSettings'): Reason[] {
  const reasons: Reason[] = [];
  for (const name of NON_NEGATIVE) {
    const v = s[name];
    if (v !== undefined && v < 0) {
      reasons.push({ field: `${prefix}.${name}`, reason: 'must not be negative' });
    }
  }
  for (const rule of SECURITY_GROUP_RULES) {
    const reason = rule.check(s);
    // One reason per field: the first rule a field breaks says what to fix.
    if (reason && !reasons.some((r) => r.field === `${prefix}.${rule.field}`)) {
      reasons.push({ field: `${prefix}.${rule.field}`, reason });
    }
  }
  return reasons;
}

/**
 * The automatic download size follows file download: present (default low quality) while file
 * download is enabled, absent while it is disabled. `given` is true when the request itself
 * set the size, which then stays for the rules to judge.
 */
export function withAutoDownloadSize(s: Settings, given: boolean): Settings {
  const { maxAutoDownloadSize, ...rest } = s;
  if (s.enableFileDownload === false) {
    return given ? s : rest;
  }
  if (given) return s;
  // Groups stored before the rule existed hold 0, which is not a valid value.
  const keep = maxAutoDownloadSize !== undefined && maxAutoDownloadSize !== 0;
  return { ...rest, maxAutoDownloadSize: keep ? maxAutoDownloadSize : DEFAULT_AUTO_DOWNLOAD_SIZE };
}
