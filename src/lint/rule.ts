import type { EndpointsConfig } from '../model/config.js';
import type { DocPath } from '../model/path.js';
import type { Severity } from './finding.js';
import type { ConfigIndex } from './config-index.js';

export const DOCS_BASE_URL = 'https://github.com/dbfence/dbfence/blob/main/docs/rules';

/** Where a rule's documentation lives; derived from its id so no rule ships without one. */
export function docsUrl(ruleId: string): string {
  return `${DOCS_BASE_URL}/${ruleId}.md`;
}

/** When a rule can run: on the file alone, or only against the live state during `plan`. */
export type RulePhase = 'lint' | 'plan';

export interface RuleMeta {
  id: string;
  severity: Severity;
  /** One line: why the rule exists. */
  rationale: string;
  /** One line: when it fires. */
  description: string;
  phase: RulePhase;
  docsUrl: string;
}

export interface Report {
  path: DocPath;
  message: string;
  /** Point at the key of a mapping entry instead of its value (e.g. an unknown or misplaced key). */
  at?: 'key' | 'value';
}

export interface RuleContext<Options> {
  config: EndpointsConfig;
  /** True when the file passed the schema: `config` then has exactly the declared shape. */
  valid: boolean;
  index: ConfigIndex;
  options: Options;
  report(report: Report): void;
}

export interface Rule<Options = Record<string, never>> {
  meta: RuleMeta;
  /** JSON Schema of the options a policy file may set; absent when the rule has none. */
  optionsSchema?: object;
  defaultOptions: Options;
  /** Runs even on a file that fails the schema, because it reads nothing but the raw data. */
  robust?: boolean;
  check(context: RuleContext<Options>): void;
}

// eslint-style "any rule" without giving up the typed options inside each rule.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any>;

interface RuleDefinition<Options> {
  id: string;
  severity: Severity;
  rationale: string;
  description: string;
  optionsSchema?: object;
  defaultOptions?: Options;
  robust?: boolean;
  check(context: RuleContext<Options>): void;
}

/**
 * Defines a lint rule, typescript-eslint `RuleCreator` style: the options are
 * typed, and the docs URL comes from the id.
 */
export function createRule<Options = Record<string, never>>(definition: RuleDefinition<Options>): Rule<Options> {
  const { id, severity, rationale, description, optionsSchema, robust, check } = definition;
  return {
    meta: { id, severity, rationale, description, phase: 'lint', docsUrl: docsUrl(id) },
    ...(optionsSchema ? { optionsSchema } : {}),
    ...(robust ? { robust } : {}),
    defaultOptions: (definition.defaultOptions ?? {}) as Options,
    check,
  };
}

/** Declares a plan-time check: its findings come from the plan, not from a check over the file. */
export function planRuleMeta(id: string, severity: Severity, rationale: string, description: string): RuleMeta {
  return { id, severity, rationale, description, phase: 'plan', docsUrl: docsUrl(id) };
}
