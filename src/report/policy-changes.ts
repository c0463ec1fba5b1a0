import { code, escapeCell } from './markdown.js';

/**
 * What a pull request changes in what checks it and where its secrets go,
 * against the commit that supplies those (its base). Shown before anything
 * else, since a finding that is absent may be absent because of it.
 */
export interface PolicyChanges {
  /** The trusted commit, shortened. */
  base: string;
  /** Whose policies the findings were computed with. */
  policiesFrom: 'base' | 'head';
  rules: RuleChange[];
  options: OptionChange[];
  customRules: CustomRuleChange[];
  waiverPolicy: { from: string; to: string } | undefined;
  waivers: WaiverChange[];
  provider: ProviderChange[];
  /** Secrets the pull request's file reads (outside the provider settings) that the base's does not. */
  secretReferences: SecretReferenceChange[];
  /** What became of the plan because of the provider changes, when they matter to it. */
  providerOutcome: string | undefined;
  /** The pull request's policies could not be read for comparison (not valid YAML, …). */
  unreadable: string[];
}

export interface RuleChange {
  id: string;
  from: string;
  to: string;
  kind: 'turned off' | 'downgraded' | 'raised' | 'turned on';
}

export interface OptionChange {
  id: string;
  option: string;
  /** JSON text of the value; undefined when unset. */
  from: string | undefined;
  to: string | undefined;
}

export interface CustomRuleChange {
  id: string;
  kind: 'removed' | 'changed' | 'added';
}

export interface WaiverChange {
  kind: 'added' | 'changed';
  ruleIds: string[];
  /** Where the waiver is in the pull request's file. */
  location: string;
  reason: string | undefined;
  until: string | undefined;
}

export interface ProviderChange {
  /** `provider.apiUrl`, `provider.token.fromEnv`, … */
  setting: string;
  /** Shown text: names of variables and files, URLs without credentials; never a secret value. */
  from: string | undefined;
  to: string | undefined;
}

export interface SecretReferenceChange {
  /** `fromEnv: NAME` or `fromFile: PATH`. */
  reference: string;
  /** The document path that names it. */
  where: string;
}

export function hasPolicyChanges(changes: PolicyChanges): boolean {
  return changes.rules.length + changes.options.length + changes.customRules.length + changes.waivers.length
    + changes.provider.length + changes.secretReferences.length + changes.unreadable.length > 0 || changes.waiverPolicy !== undefined;
}

/**
 * The section's markdown, or the empty string when the pull request changes
 * none of it. Everything from the pull request's files is escaped: they were
 * read as data, not validated.
 */
export function renderPolicyChanges(changes: PolicyChanges): string {
  if (!hasPolicyChanges(changes)) return '';
  const effect = changes.policiesFrom === 'base'
    ? `The findings below use the policies of the base commit ${code(changes.base)}; these changes take effect once merged.`
    : `The findings below use these changed policies (trust: head); the base commit is ${code(changes.base)}.`;
  const lines = [`#### ⚠️ This pull request changes what checks it`, '', effect, ''];
  const table = (head: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push(head, `|${'---|'.repeat(head.split('|').length - 2)}`, ...rows, '');
  };
  table('| Rule | Change | Base | Pull request |', changes.rules.map((r) => `| ${code(r.id)} | ${r.kind} | ${escapeCell(r.from)} | ${escapeCell(r.to)} |`));
  table('| Rule | Option | Base | Pull request |', changes.options.map((o) => `| ${code(o.id)} | ${code(o.option)} | ${value(o.from)} | ${value(o.to)} |`));
  table('| Custom rule | Change |', changes.customRules.map((c) => `| ${code(c.id)} | ${c.kind} |`));
  if (changes.waiverPolicy) lines.push(`**In-file waivers:** ${changes.waiverPolicy.from} at the base, ${changes.waiverPolicy.to} in the pull request.`, '');
  table('| Waiver | Rules | Where | Reason | Until |', changes.waivers.map((w) => `| ${w.kind} | ${w.ruleIds.map(code).join(', ')} | ${code(w.location)} | ${w.reason === undefined ? '*none*' : escapeCell(w.reason)} | ${w.until === undefined ? '*no expiry*' : escapeCell(w.until)} |`));
  table('| Provider setting | Base | Pull request |', changes.provider.map((p) => `| ${code(p.setting)} | ${value(p.from)} | ${value(p.to)} |`));
  table('| Secret the base does not read | Where |', changes.secretReferences.map((r) => `| ${code(r.reference)} | ${code(r.where)} |`));
  if (changes.providerOutcome) lines.push(`**Provider:** ${escapeCell(changes.providerOutcome)}`, '');
  for (const problem of changes.unreadable) lines.push(`- ${escapeCell(problem)}`);
  if (changes.unreadable.length > 0) lines.push('');
  return `${lines.join('\n')}`;
}

function value(text: string | undefined): string {
  return text === undefined ? '*unset*' : code(text);
}
