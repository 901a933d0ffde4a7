/**
 * How the console shows each member of a security group's settings: its label, unit, help,
 * the section of the AWS console it sits in, and the control that edits it. The table's type
 * is derived from the contract's SecurityGroupSettings, so a member the contract gains and this
 * table lacks fails the console's typecheck, and test/console-settings-table.test.ts checks the
 * table against the contract's schema at run time (every member labelled, each control fit
 * for the member's type, each choice one the server accepts).
 */
import type { Output } from '../../src/client/types.js';

export type Settings = Output<'GetSecurityGroup'>['securityGroup']['securityGroupSettings'];

/** The AWS console's tabs of a security group, in its order. */
export const SECTIONS = ['General', 'Messaging', 'Calling', 'Security', 'Federation'] as const;
export type Section = (typeof SECTIONS)[number];

interface Described {
  label: string;
  /** One sentence on what the setting does (from the API's documentation, in our words). */
  help: string;
}

export interface BoolSpec extends Described {
  kind: 'bool';
}

export interface Choice {
  value: number;
  label: string;
}

export interface NumberSpec extends Described {
  kind: 'number';
  /** Shown after the field, e.g. "seconds". */
  unit?: 'seconds' | 'minutes' | 'attempts' | 'characters';
  min?: number;
  max?: number;
  /** An enumeration: the control is a choice of these, not a number field. */
  choices?: readonly Choice[];
}

export interface ListSpec extends Described {
  kind: 'list';
  /** What one item is called ("Network ID"), for its field and its Add button. */
  item: string;
}

export interface RecordListSpec<T> extends Described {
  kind: 'records';
  item: string;
  members: { [K in keyof T]-?: { label: string } };
}

export interface GroupSpec<T> extends Described {
  kind: 'group';
  members: { [K in keyof T]-?: SpecOf<T[K]> };
}

/** The spec a member of type T takes: the table cannot pair a member with the wrong control. */
export type SpecOf<T> =
  NonNullable<T> extends boolean
    ? BoolSpec
    : NonNullable<T> extends number
      ? NumberSpec
      : NonNullable<T> extends readonly string[]
        ? ListSpec
        : NonNullable<T> extends readonly (infer R)[]
          ? RecordListSpec<R>
          : NonNullable<T> extends object
            ? GroupSpec<NonNullable<T>>
            : never;

export type Spec = BoolSpec | NumberSpec | ListSpec | RecordListSpec<object> | GroupSpec<object>;

export type SettingsTable = { [K in keyof Settings]-?: SpecOf<Settings[K]> & { section: Section } };

/** Every member of the settings, in the order the form shows them within their sections. */
export const SETTINGS: SettingsTable = {
  // ----- General
  checkForUpdates: {
    section: 'General',
    kind: 'bool',
    label: 'Check for app updates',
    help: 'Wickr apps check for new versions on their own.',
  },
  enableCrashReports: {
    section: 'General',
    kind: 'bool',
    label: 'Crash reports',
    help: 'Users may send crash reports.',
  },
  presenceEnabled: {
    section: 'General',
    kind: 'bool',
    label: 'Show presence',
    help: 'Others see whether a user is online, away or offline.',
  },
  enableNotificationPreview: {
    section: 'General',
    kind: 'bool',
    label: 'Message previews in notifications',
    help: 'Push notifications show the start of a message.',
  },
  locationEnabled: {
    section: 'General',
    kind: 'bool',
    label: 'Location sharing',
    help: 'Users may share their current location.',
  },
  locationAllowMaps: {
    section: 'General',
    kind: 'bool',
    label: 'Show shared locations on maps',
    help: 'Needs location sharing.',
  },
  enableOpenAccessOption: {
    section: 'General',
    kind: 'bool',
    label: 'Offer Wickr open access',
    help: 'Users may turn on open access where the network is blocked or censored.',
  },
  forceOpenAccess: {
    section: 'General',
    kind: 'bool',
    label: 'Always use open access',
    help: 'Turns open access on for every device. Needs "Offer Wickr open access".',
  },
  enableAtak: {
    section: 'General',
    kind: 'bool',
    label: 'ATAK integration',
    help: 'Connects Wickr with the Android Team Awareness Kit.',
  },
  atakPackageValues: {
    section: 'General',
    kind: 'list',
    item: 'ATAK package value',
    label: 'ATAK package values',
    help: 'Configuration values of the ATAK package, one per entry.',
  },

  // ----- Messaging
  maxTtl: {
    section: 'Messaging',
    kind: 'number',
    unit: 'seconds',
    min: 0,
    label: 'Message expiration, at most',
    help: 'Messages are deleted from every device this long after they are sent.',
  },
  maxBor: {
    section: 'Messaging',
    kind: 'number',
    unit: 'seconds',
    min: 0,
    label: 'Burn-on-read timer, at most',
    help: 'How long a message stays visible after it is read (0: no limit).',
  },
  filesEnabled: {
    section: 'Messaging',
    kind: 'bool',
    label: 'File sharing',
    help: 'Users may send and receive files.',
  },
  enableFileDownload: {
    section: 'Messaging',
    kind: 'bool',
    label: 'File downloads',
    help: 'Users may save files from messages to their devices.',
  },
  maxAutoDownloadSize: {
    section: 'Messaging',
    kind: 'number',
    label: 'Automatic download size',
    help: 'Files up to this size download without asking. Needs file downloads.',
    choices: [
      { value: 512_000, label: 'Low quality (500 KB)' },
      { value: 7_340_032, label: 'High quality (7 MB)' },
    ],
  },
  isLinkPreviewEnabled: {
    section: 'Messaging',
    kind: 'bool',
    label: 'Link previews',
    help: 'Shared links show a preview of the page.',
  },
  messageForwardingEnabled: {
    section: 'Messaging',
    kind: 'bool',
    label: 'Message forwarding',
    help: 'Users may forward a message to another conversation.',
  },
  forceReadReceipts: {
    section: 'Messaging',
    kind: 'bool',
    label: 'Bots read room messages',
    help: 'Bots the users approved read messages in rooms without a slash command.',
  },
  quickResponses: {
    section: 'Messaging',
    kind: 'list',
    item: 'Quick response',
    label: 'Quick responses',
    help: 'Ready-made replies users send with one tap.',
  },
  shredder: {
    section: 'Messaging',
    kind: 'group',
    label: 'Secure shredder',
    help: 'Overwrites deleted messages and files on devices.',
    members: {
      canProcessManually: {
        kind: 'bool',
        label: 'Users may run the shredder',
        help: 'Users can start the shredder themselves.',
      },
      intensity: {
        kind: 'number',
        label: 'Shredder intensity',
        help: 'How fast the shredder runs; higher uses more battery.',
        choices: [
          { value: 0, label: 'Off' },
          { value: 20, label: 'Low (20 MB a minute)' },
          { value: 60, label: 'Medium (60 MB a minute)' },
          { value: 100, label: 'High (100 MB a minute)' },
        ],
      },
    },
  },

  // ----- Calling
  calling: {
    section: 'Calling',
    kind: 'group',
    label: 'Calls',
    help: 'The calls users may start.',
    members: {
      canStart11Call: {
        kind: 'bool',
        label: 'One-to-one calls',
        help: 'Users may start audio calls with one other person.',
      },
      canVideoCall: {
        kind: 'bool',
        label: 'Video calls',
        help: 'Users may turn on video. Needs one-to-one calls.',
      },
      forceTcpCall: {
        kind: 'bool',
        label: 'Calls over TCP only',
        help: 'Calls use TCP instead of UDP, for networks that block UDP.',
      },
    },
  },

  // ----- Security
  passwordRequirements: {
    section: 'Security',
    kind: 'group',
    label: 'Password rules',
    help: 'What a user’s password must contain.',
    members: {
      minLength: {
        kind: 'number',
        unit: 'characters',
        min: 0,
        label: 'Minimum length',
        help: 'The shortest password allowed.',
      },
      lowercase: {
        kind: 'number',
        unit: 'characters',
        min: 0,
        label: 'Lowercase letters, at least',
        help: 'How many lowercase letters a password needs.',
      },
      uppercase: {
        kind: 'number',
        unit: 'characters',
        min: 0,
        label: 'Uppercase letters, at least',
        help: 'How many uppercase letters a password needs.',
      },
      numbers: {
        kind: 'number',
        unit: 'characters',
        min: 0,
        label: 'Digits, at least',
        help: 'How many digits a password needs.',
      },
      symbols: {
        kind: 'number',
        unit: 'characters',
        min: 0,
        label: 'Symbols, at least',
        help: 'How many symbols a password needs.',
      },
    },
  },
  lockoutThreshold: {
    section: 'Security',
    kind: 'number',
    unit: 'attempts',
    min: 0,
    label: 'Lock the account after',
    help: 'Wrong passwords in a row before the account is locked (0: never).',
  },
  forceDeviceLockout: {
    section: 'Security',
    kind: 'number',
    unit: 'attempts',
    min: 0,
    label: 'Erase the device after',
    help: 'Wrong passwords in a row before the device’s data is erased; fewer than the account lock (0: never).',
  },
  alwaysReauthenticate: {
    section: 'Security',
    kind: 'bool',
    label: 'Sign in again on every return',
    help: 'Users authenticate each time they come back to the app.',
  },
  isAtoEnabled: {
    section: 'Security',
    kind: 'bool',
    label: 'Confirm new devices',
    help: 'Adding a device needs a second factor (account takeover protection).',
  },
  showMasterRecoveryKey: {
    section: 'Security',
    kind: 'bool',
    label: 'Master recovery key',
    help: 'Users get a key to sign in without their first device (SSO networks).',
  },
  ssoMaxIdleMinutes: {
    section: 'Security',
    kind: 'number',
    unit: 'minutes',
    min: 0,
    label: 'SSO idle sign-out after',
    help: 'An idle SSO session is signed out after this long (SSO networks; 0: never).',
  },
  maxNonSsoSessionMinutes: {
    section: 'Security',
    kind: 'number',
    unit: 'minutes',
    min: 0,
    max: 525_600,
    label: 'Session length without SSO, at most',
    help: '0 turns the limit off; otherwise 60 minutes to 365 days.',
  },

  // ----- Federation
  federationMode: {
    section: 'Federation',
    kind: 'number',
    label: 'Local federation',
    help: 'Who users may talk to among the AWS Wickr networks of this region.',
    choices: [
      { value: 0, label: 'Local: this network only' },
      { value: 1, label: 'Restricted: the permitted networks below' },
      { value: 2, label: 'Global: every network' },
    ],
  },
  permittedNetworks: {
    section: 'Federation',
    kind: 'list',
    item: 'Network ID',
    label: 'Permitted networks',
    help: 'The networks users may talk to when local federation is restricted.',
  },
  globalFederation: {
    section: 'Federation',
    kind: 'bool',
    label: 'Global federation',
    help: 'Users may talk to AWS Wickr networks of other regions and to Wickr Enterprise.',
  },
  enableRestrictedGlobalFederation: {
    section: 'Federation',
    kind: 'bool',
    label: 'Restrict global federation',
    help: 'Only the networks listed below. Needs global federation.',
  },
  permittedWickrAwsNetworks: {
    section: 'Federation',
    kind: 'records',
    item: 'AWS Wickr network',
    label: 'Permitted AWS Wickr networks',
    help: 'Networks of other regions users may talk to under restricted global federation.',
    members: { region: { label: 'Region' }, networkId: { label: 'Network ID' } },
  },
  permittedWickrEnterpriseNetworks: {
    section: 'Federation',
    kind: 'records',
    item: 'Wickr Enterprise network',
    label: 'Permitted Wickr Enterprise networks',
    help: 'Wickr Enterprise networks users may talk to under restricted global federation.',
    members: { domain: { label: 'Domain' }, networkId: { label: 'Network ID' } },
  },
  enableGuestFederation: {
    section: 'Federation',
    kind: 'bool',
    label: 'Guest users',
    help: 'Users may talk to guest accounts. Needs local federation set to Global.',
  },
};

/** A duration in seconds or minutes in words, for the hint beside a field ("= 7 days"). */
export function inWords(value: number, unit: 'seconds' | 'minutes'): string {
  let s = unit === 'minutes' ? value * 60 : value;
  const parts: string[] = [];
  for (const [name, size] of [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n.toLocaleString('en')} ${name}${n === 1 ? '' : 's'}`);
    s -= n * size;
  }
  return parts.length ? parts.slice(0, 2).join(' ') : 'none';
}
