import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { ToolError } from '../../errors.js';
import type { AnyRule } from '../rule.js';
import type { CustomRule, CustomRuleFile } from './custom-rule.js';
import { addCidrKeywords } from './keywords.js';
import type { Pack } from './pack.js';

/** Rule ids that belong to dbfence itself; a custom rule may not take one. */
const RESERVED_IDS = ['syntax', 'schema', 'waiver', 'unused-waiver', 'destructive-change', 'certificate-expiry', 'drift'];

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
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addCidrKeywords(ajv);
  const validatePolicy = ajv.compile(policySchema);
  const policies = files.map(({ file, text }) => ({ file, policy: readPolicy(file, text, validatePolicy) }));
  const rules: CustomRule[] = [];
  const builtinIds = new Map(builtinRules.map((rule) => [rule.meta.id, rule]));
  const customIds = new Map<string, string>();
  for (const { file, policy } of policies) {
    if (policy.kind !== 'rule') continue;
    if (builtinIds.has(policy.id) || RESERVED_IDS.includes(policy.id)) fail(file, `id ${policy.id} is taken by a built-in rule`);
    const other = customIds.get(policy.id);
    if (other) fail(file, `id ${policy.id} is also used by ${other}`);
    customIds.set(policy.id, file);
    rules.push(compileRule(file, policy, ajv));
  }
  const packs: Pack[] = [];
  for (const { file, policy } of policies) {
    if (policy.kind !== 'pack') continue;
    for (const [id, entry] of Object.entries(policy.rules)) {
      const rule = builtinIds.get(id);
      if (!rule && !customIds.has(id) && !RESERVED_IDS.includes(id)) fail(file, `rules.${id}: no rule has this id`);
      const options = typeof entry === 'object' ? entry.options : undefined;
      if (options === undefined) continue;
      if (!rule?.optionsSchema) fail(file, `rules.${id}: this rule takes no options`);
      const validateOptions = ajv.compile(rule!.optionsSchema!);
      if (!validateOptions(options)) {
        const error = validateOptions.errors?.[0];
        fail(file, `rules.${id}.options${error?.instancePath.replace(/\//g, '.') ?? ''} ${error?.message ?? 'are not valid'}`);
      }
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
  if (doc.errors.length > 0) fail(file, `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const data: unknown = doc.toJS();
  if (!validatePolicy(data)) {
    const error = validatePolicy.errors?.find((e) => e.keyword !== 'if') ?? validatePolicy.errors?.[0];
    const where = error?.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'the file';
    const extra = (error?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    fail(file, `${where} ${error?.message ?? 'does not match the policy schema'}${extra ? ` ("${extra}")` : ''}`);
  }
  return data as Pack | CustomRuleFile;
}

function compileRule(file: string, policy: CustomRuleFile, ajv: Ajv2020): CustomRule {
  const compile = (schema: object, what: string) => {
    try {
      return ajv.compile(schema);
    } catch (error) {
      return fail(file, `${what} is not a valid JSON Schema: ${(error as Error).message}`);
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
