import { ToolError } from '../errors.js';
import { readSourceText } from '../model/read.js';
import type { Change } from './types.js';

/**
 * The changes of a plan saved in the JSON format, for an apply that must
 * carry out exactly that plan. They are only compared with the plan apply
 * computes again, never run as they are: an edited file can make apply
 * refuse, never make it do something else.
 */
export function readSavedPlan(path: string): Change[] {
  const read = readSourceText(path);
  if (!read.ok) throw new ToolError(`${path}: ${read.message}`);
  let saved: unknown;
  try {
    saved = JSON.parse(read.text);
  } catch {
    throw new ToolError(`${path} is not a saved plan: it is not JSON`);
  }
  const plan = isObject(saved) ? saved.plan : undefined;
  if (isObject(saved) && plan === null) throw new ToolError(`${path} holds no plan: ${typeof saved.blocked === 'string' ? saved.blocked : 'the run was blocked'}`);
  const changes = isObject(plan) ? plan.changes : undefined;
  if (!Array.isArray(changes) || !changes.every(isChange)) {
    throw new ToolError(`${path} is not a saved plan: it has no list of changes with an address, an action and an operation each`);
  }
  return changes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isChange(value: unknown): value is Change {
  return isObject(value) && typeof value.address === 'string' && typeof value.action === 'string'
    && isObject(value.operation) && typeof value.operation.kind === 'string';
}
