import type { EndpointsConfig, ProviderKind, SecretRef } from '../model/config.js';
import type { ApplyResult, Change, ChangeOutcome, PlanNotice } from '../plan/types.js';

/** Reads secrets the file references; a missing one is a ToolError naming the reference, never the value. */
export interface SecretResolver {
  resolve(ref: SecretRef, what: string): string;
}

export interface ProviderContext {
  secrets: SecretResolver;
  /** Progress for the person waiting: one line at a time, never a secret. */
  log(message: string): void;
  now(): Date;
}

export interface ApplyOptions {
  /** Destructive and disruptive changes may run. */
  allowDestructive: boolean;
  /**
   * Called with each change's outcome as soon as it is final, before apply
   * returns, so the person waiting sees the apply as it happens. The result
   * still holds every outcome.
   */
  onOutcome?: (outcome: ChangeOutcome) => void;
  /**
   * Called with how many changes are carried out inside a transaction that
   * has not committed yet (they are applied only when it commits): progress
   * while one large all-or-nothing step runs.
   */
  onPending?: (changes: number) => void;
}

/**
 * What every provider implements. `inspect` reads the live state of what the
 * files manage in a few bulk reads (never one per object); `diff` is pure;
 * `apply` carries out changes and reports each one's outcome.
 */
export interface Provider<Live = unknown> {
  readonly kind: ProviderKind;
  /** Reads the live state of everything the given files manage (the new file and the baseline). */
  inspect(scope: readonly EndpointsConfig[]): Promise<Live>;
  /** The changes that would make the live state match `desired`. Pure. */
  diff(desired: EndpointsConfig, live: Live): Change[];
  /** Findings about the live state that are not changes (e.g. certificate expiry). */
  notices(desired: EndpointsConfig, live: Live): PlanNotice[];
  /**
   * Re-reads the live state, re-plans, checks the result equals `reviewed`
   * where given, and applies. Never leaves a half-applied state it can undo.
   */
  apply(desired: EndpointsConfig, options: ApplyOptions): Promise<ApplyResult>;
  /** The CA certificate clients need for full verification (PEM). */
  caCertificate(): Promise<string>;
  /** Releases connections. */
  close(): Promise<void>;
}

export type ProviderFactory = (config: EndpointsConfig, context: ProviderContext) => Provider;
