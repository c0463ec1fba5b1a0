import { ToolError } from '../errors.js';
import type { EndpointsConfig } from '../model/config.js';
import type { Provider } from '../providers/types.js';
import { refuseUnacknowledged } from './acknowledge.js';
import { type RunProgress, runSteps, type Step, type StepGroup } from './runner.js';
import type { ApplyResult, Change } from './types.js';

export interface ApplyOptions extends RunProgress {
  /** Destructive and disruptive changes may run. */
  allowDestructive: boolean;
  /**
   * The changes the person reviewed. When given, apply carries out exactly
   * these or nothing: a live state that moved since makes it refuse.
   */
  reviewed?: readonly Change[] | undefined;
}

/**
 * Apply: holding what keeps another apply out (the provider's `exclusive`),
 * read the live state again, plan again, check the reviewed plan still holds
 * and that what needs acknowledgement has it, then run the plan's steps.
 * Every refusal comes before the first change.
 */
export async function applyFile(provider: Provider, desired: EndpointsConfig, options: ApplyOptions): Promise<ApplyResult> {
  return provider.exclusive(async () => {
    const live = await provider.inspect([desired]);
    const changes = provider.diff(desired, live);
    if (options.reviewed) refuseStale(options.reviewed, changes);
    refuseUnacknowledged(changes, options.allowDestructive);
    if (changes.length === 0) return { outcomes: [], ok: true };
    return runSteps(changes, provider.steps(desired, live, changes), options);
  });
}

/**
 * What one change does and the live state it starts from, to compare two
 * plans: an allowlist replaced by the same list is another change once the
 * list it replaces is not the one the person saw.
 */
function identity(change: Change): string {
  return JSON.stringify([change.address, change.action, change.operation, change.before]);
}

/**
 * As Terraform refuses a stale saved plan: when the live state moved since
 * the plan was reviewed, the plan apply would run now is not the one the
 * person agreed to, so nothing runs.
 */
export function refuseStale(reviewed: readonly Change[], current: readonly Change[]): void {
  const differences = planDifferences(reviewed, current);
  if (differences !== undefined) throw new StalePlan(differences);
}

/** The apply was refused, before any change, because the live state no longer gives the reviewed plan. */
export class StalePlan extends ToolError {
  constructor(readonly differences: string) {
    super(`apply refused: the live state changed since the plan was made (${differences}); nothing was applied: plan again and review it`);
  }
}

/** What differs between the reviewed plan and the current one, in a few words each; undefined when they are the same. */
export function planDifferences(reviewed: readonly Change[], current: readonly Change[]): string | undefined {
  const remaining = new Map<string, number>();
  for (const change of current) remaining.set(identity(change), (remaining.get(identity(change)) ?? 0) + 1);
  const gone: Change[] = [];
  for (const change of reviewed) {
    const count = remaining.get(identity(change)) ?? 0;
    if (count === 0) gone.push(change);
    else remaining.set(identity(change), count - 1);
  }
  const added = current.filter((change) => {
    const count = remaining.get(identity(change)) ?? 0;
    if (count > 0) remaining.set(identity(change), count - 1);
    return count > 0;
  });
  if (gone.length === 0 && added.length === 0) return undefined;
  const goneAddresses = new Set(gone.map((change) => change.address));
  const differences = [
    ...added.map((change) => (goneAddresses.has(change.address) ? `${change.address} is planned differently now` : `${change.address} is new`)),
    ...gone.filter((change) => !added.some((other) => other.address === change.address)).map((change) => `${change.address} is no longer needed`),
  ];
  const more = differences.length > 5 ? ` (and ${differences.length - 5} more)` : '';
  return `${differences.slice(0, 5).join('; ')}${more}`;
}

/** What an accounts engine gives a step group that takes its lock when its turn comes. */
export interface LockedPlan<Live> {
  /** Runs `use` holding the engine's apply lock. */
  exclusive<T>(use: () => Promise<T>): Promise<T>;
  inspect(): Promise<Live>;
  /** The changes planned for `live`, under the addresses of the group's changes. */
  changes(live: Live): readonly Change[];
  /** The steps carrying out the group's changes from `live`. */
  steps(live: Live): Step[];
}

/**
 * `changes` as a step group that takes the engine's apply lock only when its
 * turn comes (for a platform whose earlier steps may restart the database,
 * ending any session held through them), reads the live state again under
 * it, and runs its steps only if they still plan `changes`; `where` names
 * what changed otherwise.
 */
export function lockedStepGroup<Live>(changes: readonly Change[], plan: LockedPlan<Live>, where: string): StepGroup {
  return {
    changes,
    open: (run) => plan.exclusive(async () => {
      const live = await plan.inspect();
      const differences = planDifferences(changes, plan.changes(live));
      if (differences !== undefined) throw new ToolError(`${where} changed since the plan was made (${differences}): plan again and review it`);
      await run(plan.steps(live));
    }),
  };
}
