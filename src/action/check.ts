import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ToolError } from '../errors.js';
import { displayName, type LintRun, runLint } from '../lint/run.js';
import { withPlan } from '../plan/run.js';
import { render, reportInput, ruleDescriptors } from '../report/index.js';
import { annotate, hiddenAnnotationsNote } from './annotations.js';
import { type Baseline, fetchBaseline } from './baseline.js';
import { commentBody, findReportComments, type IssueComment, REPORT_MARKER, upsertReportComment } from './comment.js';
import type { ActionEvent, PullRequestInfo } from './event.js';
import { createGitHub, describeApiError, type GitHub, whoAmI } from './github.js';
import type { ActionInputs } from './inputs.js';
import { setOutputs } from './outputs.js';
import { type CheckResult, counts, fitSections, headline, isQuiet, logLine, plural, sections } from './report.js';
import { maskSecret, scrubSecrets } from './secrets.js';
import { settle, type Settled, unwrap } from './settle.js';
import { SUMMARY_LIMIT, writeSummary } from './summary.js';

interface Checked {
  lint: LintRun;
  result: CheckResult;
  /** A plan that could not run fails the step, after the report has said why. */
  failure?: string;
}

type PullRequestEvent = ActionEvent & { pullRequest: PullRequestInfo };

/**
 * `lint` and `plan`: findings as annotations, SARIF, the job summary and, on
 * a pull request, the sticky comment. A run that must not see provider
 * credentials (a fork's pull request, pull_request_target) is linted only.
 */
export async function runCheck(inputs: ActionInputs, event: ActionEvent): Promise<void> {
  const file = displayName(inputs.config);
  const prEvent = event.pullRequest ? (event as PullRequestEvent) : undefined;
  const commenting = inputs.comment && prEvent !== undefined && !event.readOnlyToken;
  if (inputs.comment && prEvent && event.readOnlyToken) {
    core.notice(`No pull-request comment: ${event.untrusted}, so the job's token is read-only. The findings are in the annotations and the job summary.`);
  }
  const planning = inputs.command === 'plan' && event.untrusted === undefined;
  const baselineRef = planning ? inputs.baselineRef ?? event.pullRequest?.baseSha : undefined;
  const github = commenting || baselineRef !== undefined ? createGitHub(inputs.githubToken) : undefined;
  // Who we are and our earlier comments are looked up while the plan runs.
  const lookup = commenting ? settle(ownComments(github!, prEvent!, file)) : undefined;

  let checked: Checked;
  if (planning) checked = await plan(inputs, event, github, baselineRef);
  else {
    const skipped = inputs.command === 'plan' ? `${event.untrusted}; provider credentials are never used in such a run` : undefined;
    if (skipped) core.notice(`Plan not run: ${skipped}. The file is linted only.`);
    checked = await lintOnly(inputs, skipped);
  }
  const { result } = checked;
  const { error: errors, warning: warnings } = counts(result);
  core.info(logLine(headline(result)));

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

async function plan(inputs: ActionInputs, event: ActionEvent, github: GitHub | undefined, baselineRef: string | undefined): Promise<Checked> {
  const baseline: Baseline | undefined = github && baselineRef !== undefined ? await fetchBaseline(github, event.repo, inputs.config, baselineRef) : undefined;
  const noDrift = baseline === undefined
    ? 'drift is checked against a pull request\'s base commit, or the commit the baseline-ref input names'
    : baseline.path === undefined ? baseline.reason : undefined;
  if (noDrift) core.notice(`Drift not checked: ${noDrift}.`);
  try {
    return await withPlan({
      file: inputs.config,
      baseline: baseline?.path,
      policiesDir: inputs.policies,
      allowDestructive: inputs.allowDestructive,
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
      },
    }));
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    // The report still shows the file's findings, and why there is no plan.
    return { ...(await lintOnly(inputs, `the plan could not run: ${error.message}`)), failure: error.message };
  } finally {
    if (baseline?.path !== undefined) baseline.dispose();
  }
}

/** Lint alone; `planSkipped` says why a plan that was asked for was not made. */
async function lintOnly(inputs: ActionInputs, planSkipped: string | undefined): Promise<Checked> {
  const lint = await runLint([inputs.config], { policiesDir: inputs.policies });
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
