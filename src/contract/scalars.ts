/** Scalars and small structures shared by many operations of the Wickr Admin API. */
import { header, idempotency, int, list, optional, query, str, uri, enumOf } from './dsl.js';

export const GenericString = str({ pattern: '[\\S\\s]*' });
export const SensitiveString = str({ pattern: '[\\S\\s]*', sensitive: true });
export const NetworkId = str({ min: 8, max: 8, pattern: '[0-9]{8}' });
export const UserId = str({ min: 1, max: 10, pattern: '[0-9]+' });
export const BotId = str({ min: 1, max: 10, pattern: '[0-9]+' });
export const SecurityGroupId = str({ pattern: '[\\S]+' });
export const ClientToken = str({ min: 1, max: 64, pattern: '[a-zA-Z0-9-_:]+' });
export const SortDirection = enumOf(['ASC', 'DESC'] as const);

/** Documented on every batch operation: "Maximum 50 ... per batch request" (and at least one). */
export const BATCH_LIMIT = 50;
export function batchOf<T extends Parameters<typeof list>[0]>(member: T) {
  return list(member, { min: 1, max: BATCH_LIMIT, documented: true });
}

export const networkIdLabel = () => uri(NetworkId);
export const clientTokenHeader = () => optional(idempotency(header(ClientToken, 'X-Client-Token')));

/** The paging members every List operation shares. maxResults is documented as 1-100. */
export const paging = () => ({
  nextToken: optional(query(GenericString, 'nextToken')),
  maxResults: optional(query(int({ min: 1, max: 100 }), 'maxResults')),
  sortFields: optional(query(GenericString, 'sortFields')),
  sortDirection: optional(query(SortDirection, 'sortDirection')),
});

/** Output of operations that only report a message. */
export const messageOnly = { message: optional(GenericString) };
