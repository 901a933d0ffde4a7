/**
 * A network's settings: stored as one JSON document (by the networks owner), read with
 * defaults, merged on update.
 */
import type { Static } from '@sinclair/typebox';
import type { UpdateNetworkSettings as UpdateNetworkSettingsOp } from '../contract/networks.js';
import type { NetworkRow } from '../store/schema.js';

type SettingsInput = Static<(typeof UpdateNetworkSettingsOp)['input']>['settings'];

export interface NetworkSettings {
  enableClientMetrics: boolean;
  readReceiptConfig: { status: 'DISABLED' | 'ENABLED' | 'FORCE_ENABLED' };
  dataRetention: boolean;
  enableTrustedDataFormat: boolean;
  consentPopup: { enabled: boolean; header?: string; content?: string; closeButtonLabel?: string };
}

/** "Defaults to "Acknowledge" if not provided" (an empty label counts as not provided). */
export const DEFAULT_CLOSE_BUTTON_LABEL = 'Acknowledge';

export const DEFAULT_NETWORK_SETTINGS: NetworkSettings = {
  enableClientMetrics: false,
  readReceiptConfig: { status: 'DISABLED' },
  dataRetention: false,
  enableTrustedDataFormat: false,
  consentPopup: { enabled: false, closeButtonLabel: DEFAULT_CLOSE_BUTTON_LABEL },
};

function withCloseButtonLabel(s: NetworkSettings): NetworkSettings {
  return s.consentPopup.closeButtonLabel
    ? s
    : { ...s, consentPopup: { ...s.consentPopup, closeButtonLabel: DEFAULT_CLOSE_BUTTON_LABEL } };
}

export function readSettings(n: NetworkRow): NetworkSettings {
  return withCloseButtonLabel({
    ...DEFAULT_NETWORK_SETTINGS,
    ...(JSON.parse(n.settings) as Partial<NetworkSettings>),
  });
}

export function settingsList(s: NetworkSettings) {
  return Object.entries(s).map(([optionName, value]) => ({
    optionName,
    value: typeof value === 'object' ? JSON.stringify(value) : String(value),
    type: typeof value === 'object' ? 'object' : typeof value,
  }));
}

export function mergeSettings(current: NetworkSettings, change: SettingsInput): NetworkSettings {
  return withCloseButtonLabel({
    ...current,
    ...(change.enableClientMetrics !== undefined
      ? { enableClientMetrics: change.enableClientMetrics }
      : {}),
    ...(change.readReceiptConfig?.status !== undefined
      ? { readReceiptConfig: { status: change.readReceiptConfig.status } }
      : {}),
    ...(change.dataRetention !== undefined ? { dataRetention: change.dataRetention } : {}),
    ...(change.enableTrustedDataFormat !== undefined
      ? { enableTrustedDataFormat: change.enableTrustedDataFormat }
      : {}),
    ...(change.consentPopup !== undefined
      ? { consentPopup: { ...current.consentPopup, ...change.consentPopup } }
      : {}),
  });
}
