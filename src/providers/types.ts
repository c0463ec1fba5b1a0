import type { EndpointsConfig, ProviderKind, SecretRef } from '../model/config.js';
import type { DocPath } from '../model/path.js';
import type { Step, StepGroup } from '../plan/runner.js';
import type { Change, PlanNotice } from '../plan/types.js';

/** Reads secrets the file references; a missing one is a ToolError naming the reference, never the value. */
export interface SecretResolver {
  resolve(ref: SecretRef, what: string): string;
}

/** A secret as the file references it (an integration's password), with where the file does: what an operation holds instead of the value. */
export interface PasswordRef {
  ref: SecretRef;
  path: DocPath;
}

export interface ProviderContext {
  secrets: SecretResolver;
  /** Progress for the person waiting: one line at a time, never a secret. */
  log(message: string): void;
  now(): Date;
}

/**
 * What every provider implements: an edge composed with an accounts engine.
 * `inspect` reads the live state of what the files manage in a few bulk
 * reads (never one per object); `diff` is pure and gives each change with
 * the operation that carries it out; `steps` turns a plan into the steps the
 * runner (src/plan/runner.ts) executes. Apply itself (re-read, re-plan,
 * check, run) is src/plan/apply.ts, the same for every provider.
 */
export interface Provider<Live = unknown> {
  readonly kind: ProviderKind;
  /** Reads the live state of everything the given files manage (the new file and the baseline). */
  inspect(scope: readonly EndpointsConfig[]): Promise<Live>;
  /** The changes that would make the live state match `desired`, each with its operation. Pure. */
  diff(desired: EndpointsConfig, live: Live): Change[];
  /** Findings about the live state that are not changes (e.g. certificate expiry). */
  notices(desired: EndpointsConfig, live: Live): PlanNotice[];
  /**
   * Runs `apply` holding what keeps another dbfence apply out of the same
   * state meanwhile (PostgreSQL's advisory lock), so the live state it reads
   * again is the one its steps change.
   */
  exclusive<T>(apply: () => Promise<T>): Promise<T>;
  /** The steps (and groups of steps) that carry out `changes` (what `diff` gave for `live`), in the order they must run. */
  steps(desired: EndpointsConfig, live: Live, changes: readonly Change[]): (Step | StepGroup)[];
  /** The CA certificate clients need for full verification (PEM). */
  caCertificate(): Promise<string>;
  /** Releases connections. */
  close(): Promise<void>;
}

export type ProviderFactory = (config: EndpointsConfig, context: ProviderContext) => Provider;
