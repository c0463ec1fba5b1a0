import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { type Finding, summarize } from '../../lint/finding.js';
import { AcknowledgementRequired } from '../../plan/acknowledge.js';
import { refuseStale } from '../../plan/apply.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../plan/render.js';
import { applyPlan, type PlanOptions, type PlanRun, withPlan } from '../../plan/run.js';
import { readSavedPlan } from '../../plan/saved.js';
import type { ApplyResult } from '../../plan/types.js';
import { ruleDescriptors } from '../../report/index.js';
import { applyProgress, outcomeLine } from '../../report/progress.js';
import { markdown } from '../../report/markdown.js';
import { stylish } from '../../report/stylish.js';
import { packageVersion, TOOL_URL } from '../../package-info.js';
import { useColor } from '../color.js';
import { withPoliciesAt } from '../git-ref.js';
import type { CommandResult } from '../main.js';
import { plural, writeReport } from './lint.js';

const COMMON_OPTIONS = `  --baseline FILE       the file as it stands on the default branch: drift is the live
                        state against it, shown apart from the changes
  --allow-destructive   acknowledge changes that destroy or recreate endpoints or users,
                        or restart a database
  --policies DIR        your policies folder (default: policies/ beside the file)
  -f, --format FORMAT   text (default), json or markdown`;

export const PLAN_HELP = `Usage: dbfence plan [FILE] [options]

Lints FILE (default endpoints.yaml), reads the live state through the file's
provider, and shows the changes an apply would make and the drift.

Options:
${COMMON_OPTIONS}
  --policies-from REF   take the policies folder and the provider settings (kind,
                        apiUrl, secret references) as they stand at git REF, as the
                        Action does on a pull request (e.g. origin/main)
  -o, --output FILE     write the plan to FILE instead of standard output (its
                        folder is created; a file this run reads is refused)
  --detailed-exitcode   exit 3 when changes are pending

Exit status: 0 planned (changes pending or none; with --detailed-exitcode, none),
1 blocked (lint errors, unacknowledged destructive change), 2 the tool could not
run, 3 changes pending (with --detailed-exitcode).`;

export const APPLY_HELP = `Usage: dbfence apply [FILE] [options]

Plans as \`dbfence plan\` does, then makes the live state match the file. In a
terminal it asks before applying unless --yes is given; elsewhere --yes is
required. Each change's outcome shows on stderr as it happens: on a terminal
as one updating line (with failures printed), elsewhere one line per outcome.

Options:
${COMMON_OPTIONS}
  --plan FILE           apply exactly the plan saved with \`plan -f json -o FILE\`:
                        refused, before any change, when the live state or the
                        file no longer plans the same
  -y, --yes             apply without asking

Exit status: 0 applied (or nothing to do), 1 blocked, 2 the tool could not run
or the apply failed (what it could not finish was rolled back and is reported).`;

type PlanFormat = 'text' | 'json' | 'markdown';

/** What the CLI's user gives to acknowledge destructive and disruptive changes. */
const ACKNOWLEDGE_WITH = '--allow-destructive';

function parse(argv: string[], apply: boolean) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      baseline: { type: 'string' },
      'allow-destructive': { type: 'boolean', default: false },
      policies: { type: 'string' },
      'policies-from': { type: 'string' },
      format: { type: 'string', short: 'f', default: 'text' },
      output: { type: 'string', short: 'o' },
      plan: { type: 'string' },
      'detailed-exitcode': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const format = values.format as PlanFormat;
  if (!['text', 'json', 'markdown'].includes(format)) throw new ToolError(`--format must be text, json or markdown, not "${values.format}"`);
  if (positionals.length > 1) throw new ToolError(`${apply ? 'apply' : 'plan'} takes one file, not ${positionals.length}`);
  if (!apply && values.yes) throw new ToolError('--yes is an option of apply, not plan');
  if (apply && values.output !== undefined) throw new ToolError('--output is an option of plan, not apply');
  if (!apply && values.plan !== undefined) throw new ToolError('--plan is an option of apply: plan saves one with -f json -o FILE');
  if (apply && values['detailed-exitcode']) throw new ToolError('--detailed-exitcode is an option of plan, not apply');
  if (apply && values['policies-from'] !== undefined) throw new ToolError('--policies-from is an option of lint and plan: apply uses the file\'s own policies and provider settings');
  return { ...values, format, file: positionals[0] ?? 'endpoints.yaml' };
}

export async function planCommand(argv: string[]): Promise<CommandResult> {
  const options = parse(argv, false);
  if (options.help) return { exitCode: 0, stdout: `${PLAN_HELP}\n` };
  const plan = (trusted: Pick<PlanOptions, 'policiesDir' | 'trustedSettings'>, note?: (run: PlanRun) => string) => withPlan(
    { file: options.file, baseline: options.baseline, ...trusted, allowDestructive: options['allow-destructive'], acknowledgeWith: ACKNOWLEDGE_WITH, log: logToStderr },
    async (run): Promise<CommandResult> => {
      const pending = (run.plan?.changes.length ?? 0) > 0;
      const exitCode = run.blocked ? 1 : pending && options['detailed-exitcode'] ? 3 : 0;
      // What the working tree changes against REF goes to stderr: stdout stays the plan.
      const changes = note?.(run) ?? '';
      const output = options.output;
      if (output !== undefined) {
        writeReport(output, render(run, options.format, undefined, false), [options.file, ...(options.baseline ? [options.baseline] : []), ...run.lint.policyFiles]);
        return { exitCode, stderr: `${changes}dbfence: ${planSummary(run)}; ${options.format} plan written to ${output}\n` };
      }
      const stdout = render(run, options.format, undefined, useColor(process.stdout));
      return { exitCode, stdout, ...(changes ? { stderr: changes } : {}) };
    },
  );
  const ref = options['policies-from'];
  if (ref === undefined) return plan({ policiesDir: options.policies });
  return withPoliciesAt(ref, options.file, options.policies, async (trusted) => {
    if (!trusted.trustedSettings) throw new ToolError(`--policies-from: ${trusted.noSettings}`);
    const outcome = (run: PlanRun) => (run.plan ? `planned with the provider settings of ${ref}, not the working file's` : `not planned: ${run.blocked}`);
    return plan({ policiesDir: trusted.policiesDir, trustedSettings: trusted.trustedSettings }, (run) => trusted.changesNote(run.file, outcome(run)));
  });
}

export async function applyCommand(argv: string[]): Promise<CommandResult> {
  const options = parse(argv, true);
  if (options.help) return { exitCode: 0, stdout: `${APPLY_HELP}\n` };
  // Provider messages go to stderr, through the progress display while the apply runs.
  let log = logToStderr;
  return withPlan(
    {
      file: options.file, baseline: options.baseline, policiesDir: options.policies,
      allowDestructive: options['allow-destructive'], acknowledgeWith: ACKNOWLEDGE_WITH, log: (message) => log(message),
    },
    async (run, provider) => {
      const color = useColor(process.stdout);
      if (run.blocked || !run.plan) return { exitCode: 1, stdout: render(run, options.format, undefined, color), stderr: `dbfence: apply refused: ${run.blocked ?? 'no plan'}\n` };
      // A saved plan the live state no longer gives is refused now, before the prompt.
      const reviewed = options.plan === undefined ? undefined : readSavedPlan(options.plan);
      if (reviewed) refuseStale(reviewed, run.plan.changes);
      if (run.plan.changes.length === 0) return { exitCode: 0, stdout: render(run, options.format, undefined, color) };
      if (!options.yes) {
        if (!process.stdin.isTTY || !process.stdout.isTTY) throw new ToolError('apply needs --yes when it is not run from a terminal');
        process.stdout.write(render(run, 'text', undefined, color));
        if (!(await confirm())) return { exitCode: 1, stderr: 'dbfence: apply cancelled\n' };
      }
      const progress = applyProgress(process.stderr, run.plan.changes.length, { live: process.stderr.isTTY === true });
      log = progress.log;
      try {
        const result = await applyPlan(run, provider, options['allow-destructive'], {
          onOutcome: progress.outcome, onPending: progress.pending, ...(reviewed ? { reviewed } : {}),
        }).catch((error: unknown) => {
          throw error instanceof AcknowledgementRequired ? new ToolError(error.worded(ACKNOWLEDGE_WITH)) : error;
        });
        return { exitCode: result.ok ? 0 : 2, stdout: render(run, options.format, result, color) };
      } finally {
        progress.finish();
        log = logToStderr;
      }
    },
  );
}

async function confirm(): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question('Apply these changes? Only "yes" is accepted: ')).trim() === 'yes';
  } finally {
    prompt.close();
  }
}

function logToStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The plan in one line, for stderr when the plan itself goes to a file. */
function planSummary(run: PlanRun): string {
  if (!run.plan) return `not planned: ${run.blocked}`;
  const drift = run.plan.driftChecked ? `, ${plural(run.plan.drift.length, 'drift change')}` : '';
  const blocked = run.blocked ? ` (blocked: ${run.blocked})` : '';
  return `${plural(run.plan.changes.length, 'change')}${drift}${blocked}`;
}

function render(run: PlanRun, format: PlanFormat, result: ApplyResult | undefined, color: boolean): string {
  const findings: Finding[] = [...run.file.findings, ...run.findings];
  const input = {
    files: [{ source: run.file.source, findings, redactions: run.file.redactions }],
    rules: ruleDescriptors(run.lint),
    tool: { name: 'dbfence', version: packageVersion(), informationUri: TOOL_URL },
  };
  if (format === 'json') {
    return `${JSON.stringify({
      findings,
      summary: summarize(findings),
      plan: run.plan ? renderPlanJson(run.plan) : null,
      blocked: run.blocked ?? null,
      ...(run.driftSkipped ? { driftSkipped: run.driftSkipped } : {}),
      ...(result ? { apply: { ok: result.ok, outcomes: result.outcomes.map(({ change, status, error }) => ({ address: change.address, action: change.action, status, ...(error ? { error } : {}) })) } } : {}),
    }, null, 2)}\n`;
  }
  if (format === 'markdown') {
    const parts = [markdown(input), run.plan ? renderPlanMarkdown(run.plan) : `**No plan:** ${run.blocked}`];
    if (run.driftSkipped) parts.push(`**Drift not checked:** ${run.driftSkipped}`);
    if (result) parts.push(outcomeLines(result).join('\n'));
    return `${parts.join('\n')}\n`;
  }
  const parts: string[] = [];
  if (findings.length > 0) parts.push(stylish(input, { color }));
  parts.push(run.plan ? renderPlanText(run.plan) : `No plan: ${run.blocked}\n`);
  if (run.driftSkipped) parts.push(`Drift not checked: ${run.driftSkipped}\n`);
  if (result) parts.push(`${outcomeLines(result).join('\n')}\n`);
  return parts.join('\n');
}

function outcomeLines(result: ApplyResult): string[] {
  const lines = result.outcomes.map(outcomeLine);
  lines.push(result.ok ? 'Apply complete.' : 'Apply failed: what could not be finished was rolled back or skipped, as listed.');
  return lines;
}
