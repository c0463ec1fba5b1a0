import { ToolError } from '../errors.js';
import type { Change } from './types.js';

/** The changes that need acknowledgement before they run: destructive or disruptive. */
export function needingAcknowledgement(changes: readonly Change[]): Change[] {
  return changes.filter((change) => change.destructive || change.disruptive);
}

/**
 * The apply was refused, before any change, because `changes` need
 * acknowledgement. Each front end names how its user gives it (`worded`).
 */
export class AcknowledgementRequired extends ToolError {
  constructor(readonly changes: readonly Change[]) {
    super(acknowledgementMessage(changes, undefined));
  }

  /** The refusal, naming how to acknowledge (the front end's flag or input). */
  worded(acknowledgeWith: string): string {
    return acknowledgementMessage(this.changes, acknowledgeWith);
  }
}

function acknowledgementMessage(changes: readonly Change[], acknowledgeWith: string | undefined): string {
  const list = changes
    .map((change) => `${change.address} (${change.destructive ? 'destructive' : 'disruptive'}: ${change.reason})`)
    .join('; ');
  const how = acknowledgeWith === undefined ? '' : ` (${acknowledgeWith})`;
  return `apply refused: ${changes.length} change${changes.length === 1 ? ' needs' : 's need'} acknowledgement${how}: ${list}`;
}

/** Refuses the whole plan, before any change, when it holds a change that needs acknowledgement. */
export function refuseUnacknowledged(changes: readonly Change[], allowDestructive: boolean): void {
  if (allowDestructive) return;
  const needing = needingAcknowledgement(changes);
  if (needing.length > 0) throw new AcknowledgementRequired(needing);
}
