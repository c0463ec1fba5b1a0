import { ToolError } from '../errors.js';
import type { Change } from './types.js';

/** The changes that need acknowledgement before they run: destructive or disruptive. */
export function needingAcknowledgement(changes: readonly Change[]): Change[] {
  return changes.filter((change) => change.destructive || change.disruptive);
}

/** Refuses the whole plan, before any change, when it holds a change that needs acknowledgement. */
export function refuseUnacknowledged(changes: readonly Change[], allowDestructive: boolean): void {
  if (allowDestructive) return;
  const needing = needingAcknowledgement(changes);
  if (needing.length === 0) return;
  const list = needing
    .map((change) => `${change.address} (${change.destructive ? 'destructive' : 'disruptive'}: ${change.reason})`)
    .join('; ');
  throw new ToolError(`apply refused: ${needing.length} change${needing.length === 1 ? ' needs' : 's need'} acknowledgement (--allow-destructive): ${list}`);
}
