import { escapeCell } from '../report/markdown.js';
import type { Change, ChangeAction, Plan } from './types.js';

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', replace: '-/+' };
const VERB: Record<ChangeAction, string> = { create: 'to create', update: 'to update', delete: 'to delete', replace: 'to replace' };

export interface PlanCounts {
  create: number;
  update: number;
  delete: number;
  replace: number;
  destructive: number;
  drift: number;
}

export function countPlan(plan: Plan): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, delete: 0, replace: 0, destructive: 0, drift: plan.drift.length };
  for (const change of plan.changes) {
    counts[change.action]++;
    if (change.destructive || change.disruptive) counts.destructive++;
  }
  return counts;
}

export function summaryLine(plan: Plan): string {
  const counts = countPlan(plan);
  if (plan.changes.length === 0) return 'No changes: the live state matches the file.';
  const parts = (Object.keys(VERB) as ChangeAction[]).map((action) => `${counts[action]} ${VERB[action]}`);
  return `${parts.join(', ')}${counts.destructive > 0 ? ` (${counts.destructive} destructive or disruptive)` : ''}.`;
}

function marker(change: Change): string {
  if (change.destructive) return ' [destructive]';
  if (change.disruptive) return ' [disruptive]';
  return '';
}

/** Terraform-style text: one line per change, drift apart. */
export function renderPlanText(plan: Plan): string {
  const lines = [`Plan (${plan.provider}): ${summaryLine(plan)}`];
  if (plan.changes.length > 0) {
    lines.push('');
    for (const change of plan.changes) lines.push(`  ${SYMBOL[change.action].padEnd(3)} ${change.address}${marker(change)}`, `        ${change.reason}`);
  }
  if (plan.driftChecked) {
    lines.push('');
    if (plan.drift.length === 0) lines.push('Drift: none; the live state matches the file on the default branch.');
    else {
      lines.push(`Drift: ${plan.drift.length} change${plan.drift.length === 1 ? '' : 's'} made outside the file (what the default branch's file would undo):`);
      for (const change of plan.drift) lines.push(`  ${SYMBOL[change.action].padEnd(3)} ${change.address}`, `        ${change.reason}`);
    }
  }
  for (const notice of plan.notices) lines.push('', `Notice (${notice.ruleId}): ${notice.message}`);
  return `${lines.join('\n')}\n`;
}

export function renderPlanJson(plan: Plan): object {
  return { ...plan, summary: countPlan(plan) };
}

/** Markdown for job summaries and the pull-request comment. */
export function renderPlanMarkdown(plan: Plan): string {
  const lines = [`**Plan (${plan.provider}):** ${summaryLine(plan)}`];
  if (plan.changes.length > 0) {
    lines.push('', '| | Resource | Why |', '|---|---|---|');
    for (const change of plan.changes) {
      lines.push(`| \`${SYMBOL[change.action]}\` | \`${change.address}\`${marker(change) ? ` **${marker(change).trim()}**` : ''} | ${escapeCell(change.reason)} |`);
    }
  }
  if (plan.driftChecked) {
    lines.push('');
    if (plan.drift.length === 0) lines.push('**Drift:** none; the live state matches the file on the default branch.');
    else {
      lines.push(`**Drift:** ${plan.drift.length} change${plan.drift.length === 1 ? '' : 's'} made outside the file:`, '', '| | Resource | What changed |', '|---|---|---|');
      for (const change of plan.drift) lines.push(`| \`${SYMBOL[change.action]}\` | \`${change.address}\` | ${escapeCell(change.reason)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
