import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { ToolError } from '../../errors.js';
import type { AnyRule } from '../rule.js';
import { CORE_CHECKS, PLAN_RULES } from '../rules/index.js';
import { closest } from '../suggest.js';
import type { CustomRule, CustomRuleFile } from './custom-rule.js';
import { addCidrKeywords, CIDR_KEYWORDS } from './keywords.js';
import type { Pack } from './pack.js';

/** Findings about the file itself: no pack may configure them and no custom rule may take their ids. */
const CORE_IDS = new Set(CORE_CHECKS.map((check) => check.id));
const PLAN_IDS = new Set(PLAN_RULES.map((meta) => meta.id));

interface PolicyText {
  file: string;
  text: string;
}

/**
 * Validates and compiles policy files. Loaded only when a policies/ folder
 * exists, so a plain `dbfence lint` never pays for ajv's compiler.
 */
export function compilePolicyFiles(
  files: readonly PolicyText[], builtinRules: readonly AnyRule[], policySchema: object,
): { packs: Pack[]; rules: CustomRule[] } {
  // strictSchema: a misspelt keyword (`cidrMaxAdresses`) would otherwise be ignored and the rule pass everything.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false });
  addCidrKeywords(ajv);
  const validatePolicy = ajv.compile(policySchema);
  const policies = files.map(({ file, text }) => ({ file, policy: readPolicy(file, text, validatePolicy) }));
  const rules: CustomRule[] = [];
  const builtinIds = new Map(builtinRules.map((rule) => [rule.meta.id, rule]));
  const customIds = new Map<string, string>();
  for (const { file, policy } of policies) {
    if (policy.kind !== 'rule') continue;
    if (builtinIds.has(policy.id) || PLAN_IDS.has(policy.id) || CORE_IDS.has(policy.id)) {
      fail(file, `id ${policy.id} is taken by a built-in rule: choose another id`);
    }
    const other = customIds.get(policy.id);
    if (other) fail(file, `id ${policy.id} is also used by ${other}: custom rule ids must be unique`);
    customIds.set(policy.id, file);
    rules.push(compileRule(file, policy, ajv));
  }
  const knownIds = [...builtinIds.keys(), ...PLAN_IDS, ...customIds.keys()];
  const packs: Pack[] = [];
  for (const { file, policy } of policies) {
    if (policy.kind !== 'pack') continue;
    for (const [id, entry] of Object.entries(policy.rules)) {
      if (CORE_IDS.has(id)) fail(file, `rules.${id}: ${id} is a check of the file itself and cannot be turned off or given another severity`);
      const rule = builtinIds.get(id);
      if (!rule && !PLAN_IDS.has(id) && !customIds.has(id)) {
        const guess = closest(id, knownIds);
        fail(file, `rules.${id}: no rule has this id${guess ? ` (did you mean ${guess}?)` : ''}`);
      }
      const options = typeof entry === 'object' ? entry.options : undefined;
      if (options === undefined) continue;
      if (!rule?.optionsSchema) fail(file, `rules.${id}: this rule takes no options`);
      const validateOptions = ajv.compile(rule.optionsSchema);
      if (!validateOptions(options)) fail(file, describeError(validateOptions.errors, `rules.${id}.options`));
    }
    packs.push(policy);
  }
  return { packs, rules };
}

function fail(file: string, reason: string): never {
  throw new ToolError(`${file}: broken policy: ${reason}`);
}

function readPolicy(file: string, text: string, validatePolicy: ValidateFunction): Pack | CustomRuleFile {
  const doc = parseDocument(text, { uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError?.code === 'MULTIPLE_DOCS') fail(file, 'the file holds more than one YAML document; a policy file holds exactly one');
  if (yamlError) fail(file, `not valid YAML: ${yamlError.message.split('\n')[0]!.replace(/:$/, '')}`);
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) fail(file, 'the file is empty: a policy file holds a pack (kind: pack) or a rule (kind: rule)');
  if (!validatePolicy(data)) fail(file, describeError(validatePolicy.errors, ''));
  return data as Pack | CustomRuleFile;
}

/** Keywords ordered by how well they explain a failure, for errors at the same depth. */
const KEYWORD_RANK = ['additionalProperties', 'required', 'enum', 'const', 'propertyNames', 'pattern'];
const BRANCH_KEYWORDS = ['if', 'oneOf', 'anyOf', 'allOf'];

/**
 * One line for the most telling ajv error: the deepest one, and among
 * those the most specific. Errors of `if`, `oneOf` and `anyOf` only say that
 * a branch failed, so they come last.
 */
function describeError(errors: ErrorObject[] | null | undefined, prefix: string): string {
  const isBranch = (error: ErrorObject) => (BRANCH_KEYWORDS.includes(error.keyword) ? 1 : 0);
  const depth = (error: ErrorObject) => error.instancePath.split('/').length;
  const rank = (error: ErrorObject) => {
    // A list of allowed words says nothing useful about a mapping or a list (the other branch of a oneOf does).
    const isCollection = error.data !== null && typeof error.data === 'object';
    if (isCollection && (error.keyword === 'enum' || error.keyword === 'const')) return KEYWORD_RANK.length + 1;
    const index = KEYWORD_RANK.indexOf(error.keyword);
    return index === -1 ? KEYWORD_RANK.length : index;
  };
  const error = [...(errors ?? [])].sort((a, b) => isBranch(a) - isBranch(b) || depth(b) - depth(a) || rank(a) - rank(b))[0];
  if (!error) return `${prefix || 'the file'} does not match the policy schema`;
  const pointer = error.instancePath.slice(1).split('/').filter(Boolean).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = [prefix, ...pointer].filter(Boolean).join('.') || 'the file';
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[]; propertyName?: string };
  let detail = '';
  if (params.additionalProperty !== undefined) detail = ` ("${params.additionalProperty}")`;
  else if (params.allowedValues) detail = `: ${params.allowedValues.map(String).join(', ')}`;
  else if (error.keyword === 'propertyNames' && params.propertyName !== undefined) detail = ` ("${params.propertyName}" is not a kebab-case rule id)`;
  return `${where} ${error.message ?? 'is not valid'}${detail}`;
}

function compileRule(file: string, policy: CustomRuleFile, ajv: Ajv2020): CustomRule {
  const compile = (schema: object, what: string) => {
    try {
      return ajv.compile(schema);
    } catch (error) {
      return fail(file, `${what} is not a valid JSON Schema: ${explainCompileError((error as Error).message, ajv)}`);
    }
  };
  return {
    id: policy.id,
    severity: policy.severity,
    message: policy.message,
    rationale: policy.rationale ?? policy.message,
    docsUrl: policy.docs,
    file,
    target: policy.target,
    where: policy.where ? compile(policy.where, 'where') : undefined,
    assert: compile(policy.assert, 'assert'),
  };
}

/** ajv's compile errors, with a likely spelling for an unknown keyword. */
function explainCompileError(message: string, ajv: Ajv2020): string {
  const format = /^unknown format "([^"]*)" ignored in schema at path "([^"]*)"/.exec(message);
  if (format) return `unknown format "${format[1]}" at ${format[2]}: dbfence checks no formats, use pattern instead`;
  const unknown = /^strict mode: unknown keyword: "([^"]*)"/.exec(message);
  if (!unknown) return message;
  const guess = closest(unknown[1]!, [...CIDR_KEYWORDS, ...Object.keys(ajv.RULES.keywords)]);
  return `unknown keyword "${unknown[1]}"${guess ? ` (did you mean ${guess}?)` : ''}`;
}
