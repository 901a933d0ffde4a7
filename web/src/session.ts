/**
 * The signed-in key as the pages see it: which operations its policy allows, by the server's
 * own rule (src/contract/actions.ts), so an action the server would refuse is disabled with
 * the refusal's words before anyone clicks it.
 */
import { createContext } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import { compileActions, refusalOf, type KeyPolicy } from '../../src/contract/actions';
import type { OperationName, SessionInfo } from './api';
import type { ExtensionName } from '../../src/contract/extensions/index';

export const SessionContext = createContext<SessionInfo | null>(null);

/** The session's policy, compiled once per session. */
function usePolicy(): KeyPolicy | undefined {
  const s = useContext(SessionContext);
  return useMemo(
    () =>
      s
        ? {
            accessKeyId: s.accessKeyId,
            actionPattern: compileActions(s.actions),
            networks: s.networks,
          }
        : undefined,
    [s],
  );
}

/** The actions of the server's own operations a page asks about (contract/extensions/). */
export type ServerAction = 'LookupAuditRecords' | 'ManageAccessKeys';

/** Why the key may not run `operation` (on `networkId`), or undefined when it may. */
export function useRefusal(): (
  operation: OperationName | ServerAction | ExtensionName,
  networkId?: string,
) => string | undefined {
  const policy = usePolicy();
  return (operation, networkId) => (policy ? refusalOf(policy, operation, networkId) : undefined);
}
