import type { ChangeOutcome } from '../plan/types.js';

const OUTCOME_SYMBOL = { applied: '✔', failed: '✖', 'rolled-back': '↺', skipped: '·' } as const;

/** One change's outcome on one line, as the apply report and the progress lines show it. */
export function outcomeLine({ change, status, error }: ChangeOutcome): string {
  return `${OUTCOME_SYMBOL[status]} ${status.padEnd(11)} ${change.address}${error ? `: ${error}` : ''}`;
}

export interface ProgressStream {
  write(text: string): unknown;
}

export interface ApplyProgress {
  /** A change's outcome, as soon as it is final. */
  outcome(outcome: ChangeOutcome): void;
  /** How many changes are carried out in a transaction that has not committed yet. */
  pending(changes: number): void;
  /** A provider's progress message ("waiting for the lock"). */
  log(message: string): void;
  /** The apply returned: the progress line goes, the report follows. */
  finish(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

/**
 * Shows an apply as it happens. On a terminal (`live`): one line that
 * updates in place, "applying 120/2406" (", 1200 awaiting commit" while a
 * transaction runs), with each failure and each message printed above it. Elsewhere (CI logs): one plain line per outcome and per
 * message, in the order they happen.
 */
export function applyProgress(stream: ProgressStream, total: number, { live }: { live: boolean }): ApplyProgress {
  if (!live) {
    return {
      outcome: (outcome) => stream.write(`${outcomeLine(outcome)}\n`),
      pending: () => {},
      log: (message) => stream.write(`${message}\n`),
      finish: () => {},
    };
  }
  let done = 0;
  let failed = 0;
  let pending = 0;
  const status = () => `${CLEAR_LINE}applying ${done}/${total}${pending > 0 ? `, ${pending} awaiting commit` : ''}${failed > 0 ? `, ${failed} not applied` : ''}`;
  const above = (line: string) => stream.write(`${CLEAR_LINE}${line}\n${status()}`);
  stream.write(status());
  return {
    outcome(outcome) {
      done += 1;
      if (outcome.status !== 'applied') failed += 1;
      if (outcome.status === 'failed') above(outcomeLine(outcome));
      else stream.write(status());
    },
    pending(changes) {
      pending = changes;
      stream.write(status());
    },
    log: above,
    finish: () => stream.write(CLEAR_LINE),
  };
}
