import { ToolError } from '../errors.js';
import type { ApplyResult, Change, ChangeOutcome } from './types.js';

/**
 * One step of an apply, as an edge or engine carries it out: one API call
 * and its wait, or one database transaction. A change may span several steps
 * (a dropped role is cleaned out of each database it reaches): it is applied
 * once every step that carries it has succeeded.
 */
export interface Step {
  /** The changes it carries out, wholly or in part. */
  changes: readonly Change[];
  /** All or nothing (a transaction): when it fails, the changes it carries that did not cause the failure are rolled back. */
  transaction?: boolean;
  run(progress: StepProgress): Promise<void>;
  /** Added to the skipped outcome of its changes when an earlier step failed: what the person must know since it did not run. */
  skippedNote?: string;
}

export interface StepProgress {
  /** The work of these changes ran inside the step's transaction, which has not committed yet. */
  carried(changes: readonly Change[]): void;
}

/**
 * Steps that need something held while they run, taken only when their
 * turn comes: a database's apply lock, taken after the steps before them
 * (which may restart that database). `open` takes it, checks the plan still
 * holds under it, and runs the steps it gives with `run`; a ToolError from
 * `open` fails every change of the group.
 */
export interface StepGroup {
  /** The changes its steps carry out. */
  changes: readonly Change[];
  open(run: (steps: readonly Step[]) => Promise<void>): Promise<void>;
}

/** A step failed because of some of its changes (a statement names the changes it carried); the others did not cause it. */
export class StepFailed extends Error {
  constructor(message: string, readonly changes: readonly Change[]) {
    super(message);
  }
}

export interface RunProgress {
  /** Each change's outcome once it is final, before the run returns. */
  onOutcome?: ((outcome: ChangeOutcome) => void) | undefined;
  /** How many changes are carried out in transactions that have not committed yet. */
  onPending?: ((changes: number) => void) | undefined;
}

const NOT_ATTEMPTED = 'not attempted: an earlier step failed';

/**
 * Runs the steps (and groups of steps) in order and records each change's
 * outcome: applied, failed, rolled back (it shared a transaction with the
 * failure) or skipped (an earlier step failed, so no later one runs). A step
 * fails with a ToolError or StepFailed; anything else is a bug and propagates.
 */
export async function runSteps(changes: readonly Change[], steps: readonly (Step | StepGroup)[], progress: RunProgress = {}): Promise<ApplyResult> {
  const parts = new Map<Change, number>();
  const committed = new Map<Change, number>();
  const failures = new Map<Change, { status: 'failed' | 'rolled-back'; error: string }>();
  const skippedNotes = new Map<Change, string>();
  const carried = new Set<Change>();
  const reported = new Set<Change>();
  const report = (outcome: ChangeOutcome) => {
    if (reported.has(outcome.change)) return;
    reported.add(outcome.change);
    progress.onOutcome?.(outcome);
  };
  const fail = (failed: readonly Change[], status: 'failed' | 'rolled-back', error: string) => {
    for (const change of failed) if (!failures.has(change)) failures.set(change, { status, error });
  };
  const expect = (expected: readonly Step[]) => {
    for (const step of expected) for (const change of new Set(step.changes)) parts.set(change, (parts.get(change) ?? 0) + 1);
  };
  const stepProgress: StepProgress = {
    carried(done) {
      for (const change of done) carried.add(change);
      progress.onPending?.(carried.size);
    },
  };

  let stopped = false;
  const run = async (step: Step) => {
    if (stopped) {
      if (step.skippedNote) for (const change of step.changes) skippedNotes.set(change, step.skippedNote);
      return;
    }
    try {
      await step.run(stepProgress);
    } catch (error) {
      if (!(error instanceof ToolError || error instanceof StepFailed)) throw error;
      stopped = true;
      fail(error instanceof StepFailed ? error.changes : step.changes, 'failed', error.message);
      fail(step.changes, step.transaction ? 'rolled-back' : 'failed', step.transaction ? `rolled back: ${error.message}` : error.message);
      return;
    }
    const done = new Set(step.changes);
    for (const change of done) {
      carried.delete(change);
      committed.set(change, (committed.get(change) ?? 0) + 1);
    }
    if (carried.size > 0 || step.transaction) progress.onPending?.(carried.size);
    // A change whose last part succeeded is applied, and nothing later can change that.
    for (const change of done) if (committed.get(change) === parts.get(change)) report({ change, status: 'applied' });
  };

  expect(steps.filter((item): item is Step => !('open' in item)));
  for (const item of steps) {
    if (!('open' in item)) {
      await run(item);
      continue;
    }
    if (stopped) continue;
    try {
      await item.open(async (inner) => {
        expect(inner);
        for (const step of inner) await run(step);
      });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      stopped = true;
      fail(item.changes.filter((change) => !reported.has(change)), 'failed', error.message);
    }
  }

  const outcomes = changes.map((change): ChangeOutcome => {
    const failure = failures.get(change);
    const partly = (committed.get(change) ?? 0) > 0;
    if (failure) return partly ? { change, status: 'failed', error: `partly applied: ${failure.error}` } : { change, ...failure };
    if ((parts.get(change) ?? 0) > 0 && committed.get(change) === parts.get(change)) return { change, status: 'applied' };
    if (partly) return { change, status: 'failed', error: 'partly applied: the apply stopped before this change was finished' };
    const note = skippedNotes.get(change);
    return { change, status: 'skipped', error: note ? `${NOT_ATTEMPTED}; ${note}` : NOT_ATTEMPTED };
  });
  if (carried.size > 0) {
    carried.clear(); // rolled back: no longer awaiting a commit
    progress.onPending?.(0);
  }
  outcomes.forEach(report);
  return { outcomes, ok: outcomes.every((outcome) => outcome.status === 'applied') };
}
