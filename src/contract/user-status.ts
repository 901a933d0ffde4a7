/**
 * A user's `status` on the wire, as the model documents it: 1 pending (invited, not yet
 * registered), 2 active. A module of its own, free of schemas, so that the console and the
 * client can name the values without bundling the contract's shapes.
 */
export const USER_STATUS = { PENDING: 1, ACTIVE: 2 } as const;
