import { dirname } from 'node:path';
import { ToolError } from '../errors.js';
import type { LintedFile } from '../lint/engine.js';
import { type Finding, summarize } from '../lint/finding.js';
import { lintFile, type LintRun, runLint } from '../lint/run.js';
import type { EndpointsConfig, ProviderSettings, SecretRef } from '../model/config.js';
import { createProvider } from '../providers/index.js';
import { envSecretResolver } from '../providers/secrets.js';
import type { Provider, ProviderContext } from '../providers/types.js';
import { applyFile } from './apply.js';
import { needingAcknowledgement } from './acknowledge.js';
import { planFindings } from './findings.js';
import type { RunProgress } from './runner.js';
import type { ApplyResult, Change, Plan } from './types.js';

export interface PlanOptions {
  file: string;
  /** The file as it stands on the default branch: drift is the live state against it. */
  baseline?: string | undefined;
  policiesDir?: string | undefined;
  /**
   * Settings to use instead of the file's: those of a commit that is trusted,
   * when the file comes from a pull request that could otherwise point the
   * provider or a database's admin connection, and their credentials, anywhere.
   */
  trustedSettings?: TrustedSettings | undefined;
  allowDestructive: boolean;
  /** How the front end's user acknowledges (its flag or input), named where a change is refused for want of it. */
  acknowledgeWith?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Called with each secret value as it is read, so front ends can mask it. */
  onSecret?: (value: string) => void;
  log?: (message: string) => void;
  today?: string;
}

/** What a trusted commit decides for a file from a pull request: where connections go, and with which secrets. */
export interface TrustedSettings {
  provider: ProviderSettings;
  /** `databases[].adminUrl`, by database name. */
  adminUrls: ReadonlyMap<string, SecretRef>;
}

export function trustedSettingsOf(config: EndpointsConfig): TrustedSettings {
  return {
    provider: config.provider,
    adminUrls: new Map(config.databases.flatMap((database) => (database.adminUrl ? [[database.name, database.adminUrl] as const] : []))),
  };
}

/** The file with the trusted provider and admin connections: a database the trusted commit gives none has none (its accounts are not managed). */
export function withTrustedSettings(config: EndpointsConfig, trusted: TrustedSettings): EndpointsConfig {
  const databases = config.databases.map((database) => {
    const copy = { ...database };
    const adminUrl = trusted.adminUrls.get(database.name);
    if (adminUrl) copy.adminUrl = adminUrl;
    else delete copy.adminUrl;
    return copy;
  });
  return { ...config, provider: trusted.provider, databases };
}

export interface PlanRun {
  lint: LintRun;
  /** The linted new file. */
  file: LintedFile;
  /** Undefined when lint errors stopped the run before the live state was read. */
  plan: Plan | undefined;
  /** Plan-time findings: destructive changes, certificate expiry, drift. */
  findings: Finding[];
  /** Why the run went no further than lint, or why apply must not run. */
  blocked: string | undefined;
  /** Why drift was not checked although a baseline was given. */
  driftSkipped: string | undefined;
}

/**
 * lint → read the live state → diff against the new file (changes) and
 * against the baseline (drift) → plan-time findings. The provider stays open
 * for `use` (apply), then is closed whatever happens.
 */
export async function withPlan<T>(options: PlanOptions, use: (run: PlanRun, provider: Provider | undefined) => Promise<T>): Promise<T> {
  const lint = await runLint([options.file], {
    policiesDir: options.policiesDir,
    ...(options.today ? { today: options.today } : {}),
  });
  const file = lint.files[0]!;
  const config = file.config && options.trustedSettings ? withTrustedSettings(file.config, options.trustedSettings) : file.config;
  if (summarize(file.findings).errors > 0 || !config) {
    return use({ lint, file, plan: undefined, findings: [], blocked: 'the file has lint errors; fix them before planning', driftSkipped: undefined }, undefined);
  }
  if (file.config!.provider.kind !== config.provider.kind) {
    const blocked = `the file's provider is ${file.config!.provider.kind} and the trusted provider settings are for ${config.provider.kind}, so the file is not planned with them`;
    return use({ lint, file, plan: undefined, findings: [], blocked, driftSkipped: undefined }, undefined);
  }
  const { baseline, driftSkipped: baselineProblem } = readBaseline(options, lint, config);
  let driftSkipped = baselineProblem;
  const context: ProviderContext = {
    secrets: envSecretResolver({
      baseDir: dirname(options.file),
      ...(options.env ? { env: options.env } : {}),
      ...(options.onSecret ? { onSecret: options.onSecret } : {}),
    }),
    log: options.log ?? (() => {}),
    now: () => new Date(),
  };
  const provider = await createProvider(config, context);
  try {
    const live = await provider.inspect(baseline ? [config, baseline] : [config]);
    const changes = provider.diff(config, live);
    const drift = baseline ? driftAgainst(provider, baseline, live) : undefined;
    if (drift?.skipped) driftSkipped = drift.skipped;
    const plan: Plan = {
      provider: config.provider.kind,
      changes,
      drift: drift?.changes ?? [],
      driftChecked: drift?.changes !== undefined,
      notices: provider.notices(config, live),
    };
    const { acknowledgeWith } = options;
    const findings = planFindings(plan, file, { allowDestructive: options.allowDestructive, acknowledgeWith, severity: file.ruleSet.planSeverity });
    const unacknowledged = options.allowDestructive ? [] : needingAcknowledgement(plan.changes);
    const blocked = unacknowledged.length > 0
      ? `${unacknowledged.length} destructive or disruptive change${unacknowledged.length === 1 ? '' : 's'} not acknowledged${acknowledgeWith === undefined ? '' : ` (${acknowledgeWith})`}`
      : undefined;
    return await use({ lint, file, plan, findings, blocked, driftSkipped }, provider);
  } finally {
    await provider.close();
  }
}

/**
 * The baseline may name what no longer exists at all (a service deleted by
 * hand): the provider cannot compare it, and the plan of the new file must
 * not fail for that, so drift is reported as not computed, with the reason.
 */
function driftAgainst(provider: Provider, baseline: EndpointsConfig, live: unknown): { changes?: Change[]; skipped?: string } {
  try {
    return { changes: provider.diff(baseline, live) };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { skipped: `the live state cannot be compared with the baseline: ${error.message}` };
  }
}

function readBaseline(options: PlanOptions, lint: LintRun, config: EndpointsConfig): { baseline: EndpointsConfig | undefined; driftSkipped: string | undefined } {
  if (options.baseline === undefined) return { baseline: undefined, driftSkipped: undefined };
  const base = lintFile(options.baseline, lint.files[0]!.ruleSet, options.today ? { today: options.today } : {});
  if (!base.config) return { baseline: undefined, driftSkipped: `the baseline ${base.source.name} does not pass the schema, so drift could not be computed` };
  if (base.config.provider.kind !== config.provider.kind) {
    return { baseline: undefined, driftSkipped: `the baseline uses provider ${base.config.provider.kind}, the file ${config.provider.kind}: drift is not comparable` };
  }
  return { baseline: base.config, driftSkipped: undefined };
}

/**
 * Applies a plan run that is not blocked: exactly the plan it reviewed (the
 * run's own, or `reviewed`, a plan saved earlier), which apply refuses to
 * run when the live state has moved since.
 */
export async function applyPlan(
  run: PlanRun, provider: Provider | undefined, allowDestructive: boolean, options: RunProgress & { reviewed?: readonly Change[] } = {},
): Promise<ApplyResult> {
  if (run.blocked || !provider || !run.file.config || !run.plan) throw new ToolError(`apply refused: ${run.blocked ?? 'nothing to apply'}`);
  return applyFile(provider, run.file.config, { allowDestructive, ...options, reviewed: options.reviewed ?? run.plan.changes });
}
