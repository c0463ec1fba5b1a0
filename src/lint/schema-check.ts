import type { ErrorObject } from 'ajv';
import { validate } from '../generated/endpoints-validator.js';
import { type DocPath, pathFromPointer } from '../model/path.js';
import type { Report } from './rule.js';
import { mayQuote, quoteValue } from './secrets.js';
import { closest } from './suggest.js';

interface SchemaNode {
  title?: string;
  description?: string;
  properties?: Record<string, unknown>;
  enum?: unknown[];
}

/** Validates the document against `schemas/endpoints.v1.json`; each problem as a report at its node. */
export function checkSchema(data: unknown): Report[] {
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const reports: Report[] = [];
  const seen = new Set<string>();
  // A failed oneOf/anyOf explains itself better as one message than as each branch's complaints.
  // Sets and ancestor walks rather than comparing every pair: a file may hold a hundred thousand errors.
  const alternatives = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') {
      // Inside a failed oneOf/anyOf, that one message says it all (e.g. a secret reference of the wrong shape).
      if (pointerAndAncestors(error.instancePath).some((pointer) => alternatives.has(pointer))) continue;
    }
    const report = toReport(error, data);
    const key = `${pathKey(report.path)}\u0001${report.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reports.push(report);
  }
  return dropShadowed(reports);
}

/** A JSON pointer and each of its ancestors: `/a/0/b`, `/a/0`, `/a`, the root ``. */
function pointerAndAncestors(pointer: string): string[] {
  const out = [pointer];
  for (let at = pointer.lastIndexOf('/'); at >= 0; at = pointer.lastIndexOf('/', at - 1)) {
    out.push(pointer.slice(0, at));
    if (at === 0) break;
  }
  return out;
}

/** A report on a node inside one that is itself reported for its type adds nothing. */
function dropShadowed(reports: Report[]): Report[] {
  const wrongType = new Set(reports.filter((report) => /^must be (an? )?(object|array|string)/.test(report.message)).map((report) => pathKey(report.path)));
  if (wrongType.size === 0) return reports;
  return reports.filter((report) => !report.path.some((_, i) => wrongType.has(pathKey(report.path.slice(0, i)))));
}

function pathKey(path: DocPath): string {
  return path.join('\u0000');
}

/**
 * Every value of the file a message shows goes through quoteValue: capped,
 * and never a value under a secret-bearing key or shaped like a secret.
 */
function toReport(error: ErrorObject, data: unknown): Report {
  const path: DocPath = pathFromPointer(error.instancePath, data);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const what = parent.title ? ` (${parent.title})` : '';
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { path, message: `missing required property "${missing}"` };
    }
    case 'dependentRequired': {
      const { property, missingProperty } = error.params as { property: string; missingProperty: string };
      return { path, message: `missing property "${missingProperty}", which "${property}" needs` };
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent.properties ?? {});
      const suggestion = closest(extra, known);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : known.length > 0 ? `; allowed here: ${known.join(', ')}` : '';
      return { path: [...path, extra], at: 'key', message: `unknown property ${quoteValue(extra)}${hint}` };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      const suggestion = typeof error.data === 'string' && mayQuote(error.data, path) ? closest(error.data, allowed.map(String)) : undefined;
      return {
        path,
        message: `${quoteValue(error.data, path)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}${parent.description ? ` (${parent.description.replace(/\.$/, '')})` : ''}`,
      };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
    case 'pattern':
      return { path, message: `${quoteValue(error.data, path)} is not a valid value${what}${parent.description ? `: ${parent.description}` : ''}` };
    case 'type':
      return { path, message: `must be ${article((error.params as { type: string }).type)}, not ${describe(error.data, path)}` };
    case 'oneOf':
    case 'anyOf':
      return { path, message: `must be ${parent.title ? `a ${parent.title.toLowerCase()}` : 'one of the allowed forms'}${parent.description ? `: ${parent.description}` : ''}` };
    case 'uniqueItems':
      return { path, message: 'must not list the same value twice' };
    default:
      return { path, message: error.message ?? 'does not match the schema' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown, path: DocPath): string {
  if (value === null) return 'null';
  if (Array.isArray(value) || typeof value === 'object') return quoteValue(value);
  return mayQuote(value, path) ? `${typeof value} ${quoteValue(value, path)}` : `a ${typeof value}`;
}
