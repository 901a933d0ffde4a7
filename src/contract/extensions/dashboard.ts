/**
 * A network's dashboard in the console: its figures, each an aggregate over its rows (users by
 * status, registrations per day, devices by platform, pending invitations by age, the
 * administrators). One read, authorized as reading the network's users is.
 */
import { STANDARD_ERRORS, bool, int, list, operation, struct, uri } from '../dsl.js';
import { GenericString, NetworkId } from '../scalars.js';

/** Pending invitations older than this many days are flagged. */
export const STALE_INVITATION_DAYS = 7;

/** The days of the longest registrations series (the shorter one is its last 30). */
export const REGISTRATION_DAYS = 90;

export const GetNetworkDashboard = operation({
  name: 'GetNetworkDashboard',
  summary: "A network's figures for the console's dashboard, computed from its rows.",
  method: 'GET',
  readonly: true,
  path: '/console/api/networks/{networkId}/dashboard',
  protocol: 'console',
  auth: ['console'],
  action: 'ListUsers',
  input: struct({ networkId: uri(NetworkId) }),
  output: struct({
    /** When the figures were computed (ISO 8601). */
    asOf: GenericString,
    /**
     * Users (not bots) by status; active, pending and declined split every user, suspended
     * users are counted in their status too.
     */
    users: struct({
      active: int(),
      pending: int(),
      declined: int(),
      suspended: int(),
    }),
    /** Users registered per UTC day over the last REGISTRATION_DAYS days, oldest first, every day. */
    registrations: list(struct({ day: GenericString, count: int() })),
    /** Devices by platform, most first. */
    devices: list(struct({ platform: GenericString, count: int() })),
    /** Pending (not declined) invitations by the age of their code, youngest first. */
    invitations: list(
      struct({
        age: GenericString,
        /** Older than STALE_INVITATION_DAYS days. */
        stale: bool(),
        count: int(),
      }),
    ),
    /** Active, not suspended administrators. */
    administrators: int(),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { GetNetworkDashboard };
