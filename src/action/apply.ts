import * as core from '@actions/core';
import { ToolError } from '../errors.js';
import type { Finding } from '../lint/finding.js';
import type { EndpointsConfig } from '../model/config.js';
import { displayName } from '../lint/run.js';
import { AcknowledgementRequired } from '../plan/acknowledge.js';
import { StalePlan } from '../plan/apply.js';
import { applyPlan, withPlan } from '../plan/run.js';
import type { ApplyResult, Plan } from '../plan/types.js';
import { ruleDescriptors } from '../report/index.js';
import type { RuleDescriptor } from '../report/input.js';
import { code, escapeCell } from '../report/markdown.js';
import { annotate } from './annotations.js';
import { APPLY_MARKER, commentBody, findMergedPullRequest } from './comment.js';
import type { ActionEvent } from './event.js';
import { createGitHub, defaultBranch, describeApiError, type GitHub } from './github.js';
import { ACKNOWLEDGE_WITH, type ActionInputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { findingsSections, fitSections, logLine, planSection, plural, type Section } from './report.js';
import { maskSecret, scrubSecrets } from './secrets.js';
import { settle, unwrap } from './settle.js';
import { SUMMARY_LIMIT, writeSummary } from './summary.js';
import { logVerify, verifyAfterApply, verifyFailure, type VerifyOutcome, verifyOutput, verifySection, verifyStatusLine } from './verify.js';

/** Events apply runs on: a push (a merge) to the default branch, a manual dispatch, a schedule. */
const APPLY_EVENTS = ['push', 'workflow_dispatch', 'schedule'];

type Status = 'applied' | 'failed' | 'no-changes' | 'refused' | 'error';

interface ApplyOutcome {
  status: Status;
  file: string;
  findings: Finding[];
  rules: readonly RuleDescriptor[];
  plan: Plan | undefined;
  /** The file applied, for verify; undefined when it does not pass the schema. */
  config?: EndpointsConfig | undefined;
  result?: ApplyResult;
  /** Why it was refused or could not run. */
  reason?: string;
}

/**
 * `apply`: only from the default branch's file on a trusted event; re-plans
 * against the live state, applies, and posts the result to the pull request
 * the commit came from.
 */
export async function runApply(inputs: ActionInputs, event: ActionEvent): Promise<void> {
  refuseEvent(event);
  const github = inputs.comment || event.defaultBranch === undefined ? createGitHub(inputs.githubToken) : undefined;
  const branch = event.defaultBranch ?? (await defaultBranch(github!, event.repo));
  if (!inputs.allowNonDefaultBranch && event.ref !== `refs/heads/${branch}`) {
    throw new ToolError(`apply refused: it applies the file of the default branch (${branch}), and this run is on ${event.ref || 'no branch'}; set allow-non-default-branch: true to apply from another branch`);
  }
  // The pull request is looked up while the plan runs. A scheduled run reports
  // to the summary only: the last merged pull request is not its cause.
  const pull = github && inputs.comment && event.name !== 'schedule' ? settle(findMergedPullRequest(github, event.repo, event.sha)) : undefined;
  const outcome = await planAndApply(inputs);
  // What was applied proves itself; a failed or refused apply has nothing to prove yet.
  const applied = outcome.status === 'applied' || outcome.status === 'no-changes';
  const verified = inputs.verify && applied && outcome.config ? await verifyAfterApply(inputs, outcome.config) : undefined;
  if (verified) logVerify(verified);

  annotate(outcome.findings);
  const title = applyTitle(outcome, event, verified);
  core.info(logLine(title));
  const parts = applySections(outcome, verified);
  await writeSummary(`${title}\n${fitSections(parts, SUMMARY_LIMIT).text}`);

  const failures = outcome.status === 'refused' || outcome.status === 'error' || outcome.status === 'failed' ? [outcome.reason ?? 'apply failed'] : [];
  const verifyFailed = verified && verifyFailure(verified);
  if (verifyFailed) failures.push(verifyFailed);
  let commentUrl: string | undefined;
  if (pull) {
    try {
      commentUrl = await postApplyResult(github!, event, await unwrap(pull), outcome.file, title, parts);
    } catch (error) {
      failures.push(describeApiError(error, 'cannot post the apply result to the pull request', 'pull-requests: write'));
    }
  }
  const errors = outcome.findings.filter((finding) => finding.severity === 'error').length;
  setOutputs({
    errors, warnings: outcome.findings.length - errors, changes: outcome.plan?.changes.length, drift: undefined, commentUrl, sarifFile: undefined,
    verify: verifyOutput(verified),
  });
  if (failures.length > 0) core.setFailed(scrubSecrets(`dbfence: ${failures.join('; ')}`));
}

/** Apply never runs for a pull request or a merge group: their files are not merged yet, and a fork's may be hostile. */
function refuseEvent(event: ActionEvent): void {
  if (event.pullRequest || event.pullRequestToLookUp !== undefined || event.trustedRef !== undefined || event.name.startsWith('pull_request')) {
    throw new ToolError(`apply refused on a ${event.name} event: a pull request's changes are applied after they are merged, from the default branch (see docs/action.md)`);
  }
  if (!APPLY_EVENTS.includes(event.name)) throw new ToolError(`apply refused on a ${event.name || 'unknown'} event: it runs on ${APPLY_EVENTS.join(', ')}`);
}

async function planAndApply(inputs: ActionInputs): Promise<ApplyOutcome> {
  const file = displayName(inputs.config);
  try {
    return await withPlan({
      file: inputs.config,
      policiesDir: inputs.policies,
      allowDestructive: inputs.allowDestructive,
      acknowledgeWith: ACKNOWLEDGE_WITH,
      onSecret: maskSecret,
      log: (message) => core.info(message),
    }, async (run, provider): Promise<ApplyOutcome> => {
      const base = { file: run.file.source.name, findings: [...run.file.findings, ...run.findings], rules: ruleDescriptors(run.lint), plan: run.plan, config: run.file.config };
      if (run.blocked || !run.plan) return { ...base, status: 'refused', reason: `apply refused: ${run.blocked ?? 'there is no plan'}` };
      if (run.plan.changes.length === 0) return { ...base, status: 'no-changes' };
      const result = await applyPlan(run, provider, inputs.allowDestructive);
      return { ...base, status: result.ok ? 'applied' : 'failed', result, ...(result.ok ? {} : { reason: 'apply failed: see the changes it could not make' }) };
    });
  } catch (error) {
    if (error instanceof AcknowledgementRequired || error instanceof StalePlan) {
      const reason = error instanceof AcknowledgementRequired ? error.worded(ACKNOWLEDGE_WITH) : error.message;
      return { status: 'refused', file, findings: [], rules: [], plan: undefined, reason };
    }
    // Reported to the pull request too, then the step fails with the same line.
    const reason = error instanceof ToolError ? error.message : `internal error: ${(error as Error).message ?? String(error)}`;
    if (!(error instanceof ToolError)) core.debug((error as Error).stack ?? reason);
    return { status: 'error', file, findings: [], rules: [], plan: undefined, reason: `apply could not run: ${reason}` };
  }
}

const STATUS_LINE: Record<Status, (outcome: ApplyOutcome) => string> = {
  applied: (o) => `✅ applied ${plural(o.plan?.changes.length ?? 0, 'change')}`,
  'no-changes': () => '✅ nothing to apply: the live state already matches the file',
  failed: (o) => `❌ apply failed: ${o.result?.outcomes.filter((x) => x.status === 'applied').length ?? 0} of ${plural(o.result?.outcomes.length ?? 0, 'change')} applied; the rest was rolled back or skipped`,
  refused: (o) => `⛔ ${escapeCell(o.reason ?? 'apply refused')}`,
  error: (o) => `❌ ${escapeCell(o.reason ?? 'apply could not run')}`,
};

function applyTitle(outcome: ApplyOutcome, event: ActionEvent, verified: VerifyOutcome | undefined): string {
  const verify = verified ? ` · ${verifyStatusLine(verified)}` : '';
  return `### dbfence apply: ${code(outcome.file)}\n\n${STATUS_LINE[outcome.status](outcome)}${verify} · commit ${event.sha.slice(0, 7)}\n`;
}

const OUTCOME_ICON = { applied: '✔', failed: '✖', 'rolled-back': '↺', skipped: '·' } as const;

function applySections(outcome: ApplyOutcome, verified: VerifyOutcome | undefined): Section[] {
  const { errors, warnings } = findingsSections(outcome.findings, outcome.rules);
  const parts: Section[] = [];
  if (outcome.result) {
    const rows = outcome.result.outcomes.map(({ change, status, error }) => `| ${OUTCOME_ICON[status]} | ${code(change.address)} | ${status}${error ? `: ${escapeCell(error)}` : ''} |\n`);
    const full = `| | Resource | Result |\n|---|---|---|\n${rows.join('')}`;
    const counts = new Map<string, number>();
    for (const { status } of outcome.result.outcomes) counts.set(status, (counts.get(status) ?? 0) + 1);
    const short = `${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}; the list of changes is in the job summary.\n`;
    parts.push({ full, shorten: () => short });
  }
  if (verified) parts.push(verifySection(verified));
  // A refused apply shows the plan it refused, so the reason can be read in it.
  const plan = outcome.status === 'refused' && outcome.plan ? [planSection({ plan: outcome.plan, planSkipped: undefined, driftSkipped: undefined })] : [];
  return [...parts, ...errors, ...plan, ...warnings];
}

async function postApplyResult(github: GitHub, event: ActionEvent, pull: number | undefined, file: string, title: string, parts: readonly Section[]): Promise<string | undefined> {
  if (pull === undefined) {
    core.info(`No merged pull request has commit ${event.sha.slice(0, 7)}: the result is in the job summary only.`);
    return undefined;
  }
  const meta = { sha: event.sha, config: file, run: event.runId, at: new Date().toISOString() };
  const body = commentBody(APPLY_MARKER, meta, title, parts, event.runUrl);
  const { data } = await github.rest.issues.createComment({ ...event.repo, issue_number: pull, body });
  core.info(`Apply result posted to pull request #${pull}: ${data.html_url}`);
  return data.html_url;
}
