// Types of scripts/gen-rule-docs.mjs, for test/rules/docs.test.ts.
import type { Pack } from '../src/lint/policies/pack.js';
import type * as Examples from '../src/lint/rules/examples/load.js';
import type * as Registry from '../src/lint/rules/index.js';

export interface RuleDocSources {
  registry: Pick<typeof Registry, 'BUILTIN_RULES' | 'PLAN_RULES' | 'CORE_CHECKS'>;
  examples: Pick<typeof Examples, 'loadRuleExamples' | 'lintExample' | 'waivedExample'>;
  pack: Pack;
}

export const DOCS_DIR: string;
export function renderRuleDocs(sources: RuleDocSources): Map<string, string>;
export function writeRuleDocs(pages: Map<string, string>): void;
