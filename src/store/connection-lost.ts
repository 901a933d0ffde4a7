/**
 * How a PostgreSQL connection was lost (pg-pool.ts), and the log line for each. A module of its
 * own so that the store's published declarations name no driver's types.
 */

/** Where a connection was when it was lost, or that none could be made. */
export type ConnectionState = 'idle' | 'in use' | 'connecting';

/** The log line for each (server.ts). */
export const CONNECTION_LOST: Record<ConnectionState, string> = {
  idle: 'the database ended an idle connection; the next query opens another',
  'in use':
    'the database ended a connection in use; its request fails with a retryable InternalServerError and the connection is replaced',
  connecting:
    'cannot connect to the database; requests fail with a retryable InternalServerError until it answers',
};
