import type { Finding, Severity } from '../lint/finding.js';
import type { LintedFile } from '../lint/engine.js';
import { formatPath } from '../model/path.js';
import { inlineSecretValues, safeMessage } from '../lint/secrets.js';
import { applyWaivers } from '../lint/waivers.js';
import type { Change, Plan } from './types.js';

export interface PlanFindingOptions {
  /** Destructive and disruptive changes are acknowledged. */
  allowDestructive: boolean;
  /** How the front end's user acknowledges them (its flag or input), named in the finding. */
  acknowledgeWith?: string | undefined;
  /** Severity of each plan-time check from the policy pack ('off' drops it). */
  severity: ReadonlyMap<string, Severity | 'off'>;
}

/**
 * The plan-time rules of the spec, computed from a plan: `destructive-change`
 * (an error unless acknowledged), `certificate-expiry` and `drift`. Each is
 * placed where endpoints.yaml declares the resource, when it does, and the
 * file's waivers apply to the last two as they do to lint findings.
 */
export function planFindings(plan: Plan, file: Pick<LintedFile, 'source' | 'config' | 'locations' | 'waivers'>, options: PlanFindingOptions): Finding[] {
  const findings: Finding[] = [];
  const secretValues = inlineSecretValues(file.config);
  const add = (ruleId: string, defaultSeverity: Severity, message: string, path: Change['path'], downgrade = false) => {
    const configured = options.severity.get(ruleId) ?? defaultSeverity;
    if (configured === 'off') return;
    if (applyWaivers(file.waivers, [{ ruleId, path: path ?? [] }]).kept.length === 0) return;
    const severity = downgrade ? 'warning' : configured;
    const range = file.locations.locate(file.config, path ?? []);
    const start = file.source.position(range.start);
    const end = file.source.position(range.end);
    findings.push({
      ruleId, severity, message: safeMessage(message, secretValues), file: file.source.name, path: formatPath(path ?? []),
      line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
    });
  };
  const how = options.acknowledgeWith;
  for (const change of plan.changes) {
    if (!change.destructive && !change.disruptive) continue;
    const what = change.destructive ? 'destroys or recreates' : 'interrupts';
    if (options.allowDestructive) {
      add('destructive-change', 'warning', `${change.address}: ${change.reason} (this ${what} something users rely on; acknowledged${how === undefined ? '' : ` by ${how}`})`, change.path, true);
    } else {
      add('destructive-change', 'error', `${change.address}: ${change.reason}. This ${what} something users rely on; apply it only when acknowledged${how === undefined ? '' : ` (${how})`}`, change.path);
    }
  }
  for (const notice of plan.notices) add(notice.ruleId, 'warning', notice.message, notice.path);
  for (const change of plan.drift) add('drift', 'warning', `${change.address} changed outside the file: ${change.reason}`, change.path);
  return findings;
}
