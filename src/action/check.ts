import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolError } from '../errors.js';
import { displayName, type LintRun, runLint } from '../lint/run.js';
import { type TrustedSettings, trustedSettingsOf, withPlan } from '../plan/run.js';
import { render, reportInput, ruleDescriptors } from '../report/index.js';
import { hasPolicyChanges, policiesFolder, policyChanges, workspacePolicyFiles } from '../lint/policy-changes.js';
import { annotate, hiddenAnnotationsNote } from './annotations.js';
import { type Baseline, fetchBaseline, shortRef } from './baseline.js';
import { commentBody, findReportComments, type IssueComment, REPORT_MARKER, upsertReportComment } from './comment.js';
import type { ActionEvent, PullRequestInfo } from './event.js';
import { createGitHub, describeApiError, type GitHub, pullRequestCommits, whoAmI } from './github.js';
import { ACKNOWLEDGE_WITH, type ActionInputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { type CheckResult, counts, fitSections, headline, isQuiet, logLine, plural, sections } from './report.js';
import { maskSecret, scrubSecrets } from './secrets.js';
import { settle, type Settled, unwrap } from './settle.js';
import { SUMMARY_LIMIT, writeSummary } from './summary.js';
import { fetchTrustedParts, type TrustedParts } from './trust.js';

interface Checked {
  lint: LintRun;
  result: CheckResult;
  /** A plan that could not run fails the step, after the report has said why. */
  failure?: string;
}

type PullRequestEvent = ActionEvent & { pullRequest: PullRequestInfo };

/**
 * `lint` and `plan`: findings as annotations, SARIF, the job summary and, on
 * a pull request, the sticky comment. A run about changes not merged yet (a
 * pull request, a merge group) takes its policies and provider settings from
 * the base commit, and shows first what the changes would alter in them. A
 * run that must not see provider credentials (a fork's pull request, runs
 * with secrets on behalf of a pull request) is linted only.
 */
export async function runCheck(inputs: ActionInputs, given: ActionEvent): Promise<void> {
  const file = displayName(inputs.config);
  const aboutPull = given.pullRequest !== undefined || given.pullRequestToLookUp !== undefined;
  const commenting = inputs.comment && aboutPull && !given.readOnlyToken;
  if (inputs.comment && aboutPull && given.readOnlyToken) {
    core.notice(`No pull-request comment: ${given.untrusted}, so the job's token is read-only. The findings are in the annotations and the job summary.`);
  }
  const planning = inputs.command === 'plan' && given.untrusted === undefined;
  const needsApi = commenting || given.trustedRef !== undefined || given.pullRequestToLookUp !== undefined || (planning && inputs.baselineRef !== undefined);
  const github = needsApi ? createGitHub(inputs.githubToken) : undefined;
  const event = given.pullRequestToLookUp === undefined ? given : await withPullRequest(github!, given, given.pullRequestToLookUp);
  const prEvent = event.pullRequest ? (event as PullRequestEvent) : undefined;
  // Who we are and our earlier comments are looked up while the plan runs.
  const lookup = commenting && prEvent ? settle(ownComments(github!, prEvent, file)) : undefined;

  const trusted = event.trustedRef === undefined ? undefined : await fetchTrustedParts(github!, event.repo, inputs.config, inputs.policies, event.trustedRef);
  let checked: Checked;
  try {
    checked = await check(inputs, event, github, trusted, planning);
  } catch (error) {
    // A broken policy of the base is named where it is, not in its temporary copy.
    if (trusted && error instanceof ToolError) throw new ToolError(trusted.locate(error.message));
    throw error;
  } finally {
    trusted?.dispose();
  }
  const { result } = checked;
  const { error: errors, warning: warnings } = counts(result);
  core.info(logLine(headline(result)));
  if (result.changes && hasPolicyChanges(result.changes)) {
    core.notice(`This pull request changes the policies, the waivers, the provider settings or the secrets that check it; they are listed first in the ${prEvent && commenting ? 'comment and the ' : ''}job summary.`);
  }

  const annotations = annotate(result.findings);
  const sarifFile = inputs.sarifFile ? writeSarif(inputs.sarifFile, checked.lint) : undefined;
  const note = hiddenAnnotationsNote(annotations);
  await writeSummary(`${headline(result)}\n${fitSections(sections(result), SUMMARY_LIMIT).text}${note ? `\n> ${note}\n` : ''}`);

  const failures = checked.failure ? [checked.failure] : [];
  let commentUrl: string | undefined;
  if (lookup) {
    try {
      commentUrl = await postReport(github!, prEvent!, lookup, result);
    } catch (error) {
      failures.push(describeApiError(error, 'cannot post the pull-request comment', 'pull-requests: write'));
    }
  }
  setOutputs({
    errors, warnings, changes: result.plan?.changes.length, drift: result.plan?.driftChecked ? result.plan.drift.length : undefined, commentUrl, sarifFile,
  });
  if (errors > 0 || (inputs.failOn === 'warning' && warnings > 0)) {
    failures.push(`${plural(errors, 'error')} and ${plural(warnings, 'warning')} in ${file} (fail-on: ${inputs.failOn}); see the job summary`);
  }
  if (failures.length > 0) core.setFailed(scrubSecrets(`dbfence: ${failures.join('; ')}`));
}

async function withPullRequest(github: GitHub, event: ActionEvent, number: number): Promise<ActionEvent> {
  const pullRequest = await pullRequestCommits(github, event.repo, number);
  return { ...event, pullRequest, trustedRef: pullRequest.baseSha };
}

/**
 * Lints (and plans) the workspace's file. With trusted parts, the policies
 * are the base's (unless trust: head) and the provider settings always are:
 * a pull request never chooses where the credentials go.
 */
async function check(inputs: ActionInputs, event: ActionEvent, github: GitHub | undefined, trusted: TrustedParts | undefined, planning: boolean): Promise<Checked> {
  const policiesDir = trusted && inputs.trust === 'base' ? trusted.policiesDir : inputs.policies;
  const baseFile = trusted?.config.path === undefined ? undefined : (await runLint([trusted.config.path], { policiesDir: trusted.policiesDir })).files[0];
  let checked: Checked;
  if (!planning) {
    const skipped = inputs.command === 'plan' ? `${event.untrusted}; provider credentials are never used in such a run` : undefined;
    if (skipped) core.notice(`Plan not run: ${skipped}. The file is linted only.`);
    checked = await lintOnly(inputs, policiesDir, skipped);
  } else if (trusted && !baseFile?.config) {
    const reason = trusted.config.path === undefined
      ? `${trusted.config.reason}, so there are no trusted provider settings to plan with; it is planned once merged`
      : `the file at ${shortRef(trusted.ref)} does not pass the schema, so there are no trusted provider settings to plan with`;
    core.notice(`Plan not run: ${reason}.`);
    checked = await lintOnly(inputs, policiesDir, reason);
  } else {
    const baseline = inputs.baselineRef !== undefined ? await fetchBaseline(github!, event.repo, inputs.config, inputs.baselineRef) : trusted?.config;
    try {
      checked = await plan(inputs, { policiesDir, trustedSettings: baseFile?.config ? trustedSettingsOf(baseFile.config) : undefined, baseline });
    } finally {
      if (baseline !== trusted?.config && baseline?.path !== undefined) baseline.dispose();
    }
  }
  if (!trusted) return checked;
  const changes = policyChanges({
    base: shortRef(trusted.ref),
    policiesFrom: inputs.trust,
    basePolicies: trusted.policyFiles,
    headPolicies: workspacePolicyFiles(policiesFolder(inputs.config, inputs.policies)),
    baseFile,
    headFile: checked.lint.files[0]!,
  });
  if (changes.provider.length > 0 && inputs.command === 'plan') {
    changes.providerOutcome = checked.result.plan
      ? `planned with the provider settings of ${shortRef(trusted.ref)}, not the pull request's: they apply once merged`
      : `not planned: ${checked.result.planSkipped ?? 'no plan was made'}`;
  }
  return { ...checked, result: { ...checked.result, changes } };
}

interface PlanSetup {
  policiesDir: string | undefined;
  trustedSettings: TrustedSettings | undefined;
  baseline: Baseline | undefined;
}

async function plan(inputs: ActionInputs, setup: PlanSetup): Promise<Checked> {
  const { baseline } = setup;
  const noDrift = baseline === undefined
    ? 'drift is checked against a pull request\'s base commit, or the commit the baseline-ref input names'
    : baseline.path === undefined ? baseline.reason : undefined;
  if (noDrift) core.notice(`Drift not checked: ${noDrift}.`);
  try {
    return await withPlan({
      file: inputs.config,
      baseline: baseline?.path,
      policiesDir: setup.policiesDir,
      trustedSettings: setup.trustedSettings,
      allowDestructive: inputs.allowDestructive,
      acknowledgeWith: ACKNOWLEDGE_WITH,
      onSecret: maskSecret,
      log: (message) => core.info(message),
    }, async (run) => ({
      lint: run.lint,
      result: {
        command: 'plan',
        file: run.file.source.name,
        findings: [...run.file.findings, ...run.findings],
        rules: ruleDescriptors(run.lint),
        plan: run.plan,
        planSkipped: run.plan ? undefined : run.blocked,
        driftSkipped: run.driftSkipped ?? noDrift,
        changes: undefined,
      },
    }));
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    // The report still shows the file's findings, and why there is no plan.
    return { ...(await lintOnly(inputs, setup.policiesDir, `the plan could not run: ${error.message}`)), failure: error.message };
  }
}

/** Lint alone; `planSkipped` says why a plan that was asked for was not made. */
async function lintOnly(inputs: ActionInputs, policiesDir: string | undefined, planSkipped: string | undefined): Promise<Checked> {
  const lint = await runLint([inputs.config], { policiesDir });
  return {
    lint,
    result: {
      command: inputs.command === 'lint' ? 'lint' : 'plan',
      file: displayName(inputs.config),
      findings: lint.files.flatMap((linted) => linted.findings),
      rules: ruleDescriptors(lint),
      plan: undefined,
      planSkipped,
      driftSkipped: undefined,
      changes: undefined,
    },
  };
}

async function ownComments(github: GitHub, event: PullRequestEvent, file: string): Promise<IssueComment[]> {
  const me = await whoAmI(github);
  return findReportComments(github, event.repo, event.pullRequest.number, me, file);
}

async function postReport(github: GitHub, event: PullRequestEvent, lookup: Settled<IssueComment[]>, result: CheckResult): Promise<string | undefined> {
  const meta = { sha: event.pullRequest.headSha, config: result.file, run: event.runId, at: new Date().toISOString() };
  const body = commentBody(REPORT_MARKER, meta, headline(result), sections(result), event.runUrl);
  const outcome = await upsertReportComment(github, event, await unwrap(lookup), body, isQuiet(result));
  switch (outcome.action) {
    case 'none':
      core.info('No pull-request comment: nothing was found and nothing would change.');
      return undefined;
    case 'kept-newer':
      core.info(`The pull-request comment already shows a newer commit (${outcome.sha.slice(0, 7)}); it was left as it is: ${outcome.url}`);
      // comment-url names the comment this run wrote; it wrote none.
      return undefined;
    default:
      core.info(`Pull-request comment ${outcome.action}: ${outcome.url}`);
      return outcome.url;
  }
}

function writeSarif(path: string, lint: LintRun): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, scrubSecrets(render('sarif', reportInput(lint), { color: false })));
  } catch (error) {
    throw new ToolError(`cannot write the SARIF file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return path;
}
