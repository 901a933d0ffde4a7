/**
 * A security group's settings: what a new group starts with, how a change merges into stored
 * settings, and how stored settings read back. The documented rules they are judged by live
 * in security-group-rules.ts; the security_groups owner stores them.
 */
import type { Static } from '@sinclair/typebox';
import type { SecurityGroupSettings } from '../contract/security-groups.js';
import { validationError } from '../contract/errors.js';
import {
  DEFAULT_AUTO_DOWNLOAD_SIZE,
  settingsReasons,
  withAutoDownloadSize,
} from './security-group-rules.js';

export type Settings = Static<typeof SecurityGroupSettings>;

/** What a new group starts with: the Wickr admin console's defaults (valid under the rules). */
export const DEFAULT_SECURITY_GROUP_SETTINGS = {
  alwaysReauthenticate: false,
  atakPackageValues: [],
  calling: { canStart11Call: true, canVideoCall: true, forceTcpCall: false },
  checkForUpdates: true,
  enableAtak: false,
  enableCrashReports: true,
  enableFileDownload: true,
  enableGuestFederation: false,
  enableNotificationPreview: true,
  enableOpenAccessOption: false,
  enableRestrictedGlobalFederation: false,
  filesEnabled: true,
  forceDeviceLockout: 0,
  forceOpenAccess: false,
  forceReadReceipts: false,
  globalFederation: false,
  isAtoEnabled: false,
  isLinkPreviewEnabled: true,
  locationAllowMaps: true,
  locationEnabled: true,
  maxAutoDownloadSize: DEFAULT_AUTO_DOWNLOAD_SIZE,
  maxBor: 0,
  maxTtl: 31_536_000,
  messageForwardingEnabled: true,
  passwordRequirements: { lowercase: 0, minLength: 6, numbers: 0, symbols: 0, uppercase: 0 },
  presenceEnabled: true,
  quickResponses: [],
  showMasterRecoveryKey: true,
  shredder: { canProcessManually: true, intensity: 0 },
  ssoMaxIdleMinutes: 0,
  maxNonSsoSessionMinutes: 0,
  federationMode: 0,
  lockoutThreshold: 0,
  permittedNetworks: [],
  permittedWickrAwsNetworks: [],
  permittedWickrEnterpriseNetworks: [],
} satisfies Required<Settings>;

const NESTED = ['calling', 'passwordRequirements', 'shredder'] as const;

/** Applies a partial settings change: given members replace, nested structures merge. */
export function mergeGroupSettings(current: Settings, change: Partial<Settings>): Settings {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    next[k] = (NESTED as readonly string[]).includes(k)
      ? { ...(current[k as (typeof NESTED)[number]] ?? {}), ...(v as object) }
      : v;
  }
  return next;
}

/**
 * The settings a group has after `change`, judged whole by the documented rules (an update is
 * judged on the merged result, so it cannot leave an invalid combination behind).
 */
export function nextSettings(current: Settings, change: Partial<Settings>): Settings {
  const merged = withAutoDownloadSize(
    mergeGroupSettings(current, change),
    change.maxAutoDownloadSize !== undefined,
  );
  const reasons = settingsReasons(merged);
  if (reasons.length) throw validationError(reasons);
  return merged;
}

/** Stored settings as reported: defaults for members added since, the download size rule. */
export function storedSettings(json: string): Settings {
  return withAutoDownloadSize(
    { ...DEFAULT_SECURITY_GROUP_SETTINGS, ...(JSON.parse(json) as Settings) },
    false,
  );
}
