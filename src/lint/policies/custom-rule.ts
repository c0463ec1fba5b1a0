import type { ValidateFunction } from 'ajv';
import type { ConfigIndex } from '../config-index.js';
import type { Severity } from '../finding.js';
import { pathFromPointer } from '../../model/path.js';
import type { Report } from '../rule.js';

export type TargetKind = 'database' | 'endpoint' | 'allow-entry' | 'integration' | 'grant';

/** A custom rule as written in a team's policies/ folder. */
export interface CustomRuleFile {
  kind: 'rule';
  id: string;
  severity: Severity;
  message: string;
  rationale?: string;
  docs?: string;
  target: TargetKind;
  where?: object;
  assert: object;
}

export interface CustomRule {
  id: string;
  severity: Severity;
  message: string;
  rationale: string;
  docsUrl: string | undefined;
  /** The policy file it came from, for messages about the rule itself. */
  file: string;
  target: TargetKind;
  where: ValidateFunction | undefined;
  assert: ValidateFunction;
}

interface Target {
  value: unknown;
  path: (string | number)[];
}

/** Every object of the given kind in the file, with its path. */
export function targetsOf(kind: TargetKind, index: ConfigIndex): Target[] {
  switch (kind) {
    case 'database':
      return index.databases.map(({ database, path }) => ({ value: database, path }));
    case 'endpoint':
      return index.endpoints.map(({ endpoint, endpointPath }) => ({ value: endpoint, path: endpointPath }));
    case 'allow-entry':
      return index.endpoints.flatMap(({ endpoint, endpointPath }) =>
        (endpoint.allow ?? []).map((entry, a) => ({ value: entry, path: [...endpointPath, 'allow', a] })));
    case 'integration':
      return index.integrations.map(({ integration, integrationPath }) => ({ value: integration, path: integrationPath }));
    case 'grant':
      return index.integrations.flatMap(({ integration, integrationPath }) =>
        (integration.grants ?? []).map((grant, g) => ({ value: grant, path: [...integrationPath, 'grants', g] })));
  }
}

/** Runs a custom rule: one report per failing node, at the node the assertion failed on. */
export function runCustomRule(rule: CustomRule, index: ConfigIndex): Report[] {
  const reports: Report[] = [];
  for (const { value, path } of targetsOf(rule.target, index)) {
    if (rule.where && !rule.where(value)) continue;
    if (rule.assert(value)) continue;
    const pointers = new Set((rule.assert.errors ?? []).map((error) => error.instancePath));
    if (pointers.size === 0) pointers.add('');
    for (const pointer of pointers) {
      // Report the deepest failing nodes only: a failure inside a list also fails the list itself.
      if ([...pointers].some((other) => other !== pointer && other.startsWith(`${pointer}/`))) continue;
      reports.push({ path: [...path, ...pathFromPointer(pointer, value)], message: rule.message });
    }
  }
  return reports;
}
