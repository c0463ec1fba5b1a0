import type { DocPath } from '../model/path.js';
import type { ProviderKind } from '../model/config.js';

export type ChangeAction = 'create' | 'update' | 'delete' | 'replace';

/**
 * What apply does to carry out one change: plain JSON data, one
 * discriminated union (on `kind`) per edge or engine, so a plan shows and
 * saves what apply will do. A secret is referenced (`{ fromEnv }`), never held.
 */
export interface Operation {
  readonly kind: string;
}

/** How a change reads: what the reviewer sees, without what apply does. */
export interface ChangeDescription {
  /** A stable resource address, e.g. `postgres.role.metabase_ro` or `aptible.endpoint.orders/orders-public`. */
  address: string;
  /** The kind of resource: role, grant, hba-rule, certificate, endpoint, ip-filter, allowlist, restart… */
  resource: string;
  action: ChangeAction;
  /** Why, in words a reviewer understands: "SELECT on public.orders is declared but not granted". */
  reason: string;
  /** Destroys or recreates something users rely on (an endpoint, a user): needs acknowledgement. */
  destructive: boolean;
  /** Interrupts service without destroying anything (a restart): also needs acknowledgement. */
  disruptive?: boolean;
  /** Display-safe before/after values: never a secret. */
  before?: unknown;
  after?: unknown;
  /** Where endpoints.yaml declares the desired state, for annotations; absent for deletions. */
  path?: DocPath;
}

/**
 * One change a plan would make. Plans are pure data: they render as text,
 * JSON and markdown, the plan-time rules are computed from them, and apply
 * carries out their operations once it has checked they still hold.
 */
export interface Change<O extends Operation = Operation> extends ChangeDescription {
  operation: O;
}

/** A plan-time finding that is not a change, e.g. a certificate close to expiry. */
export interface PlanNotice {
  ruleId: string;
  message: string;
  address: string;
  path?: DocPath;
}

export interface Plan {
  provider: ProviderKind;
  /** What the file asks for: the changes an apply would make now. */
  changes: Change[];
  /**
   * What changed outside the file: the live state against the file on the
   * default branch, as the changes that would put it back. Empty when no
   * baseline was given.
   */
  drift: Change[];
  /** True when drift was computed (a baseline was given). */
  driftChecked: boolean;
  notices: PlanNotice[];
}

export type ChangeStatus = 'applied' | 'failed' | 'rolled-back' | 'skipped';

export interface ChangeOutcome {
  change: Change;
  status: ChangeStatus;
  /** For failures: one line, no secrets. */
  error?: string;
}

export interface ApplyResult {
  outcomes: ChangeOutcome[];
  /** True when every change was applied. */
  ok: boolean;
}
