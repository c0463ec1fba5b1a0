import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../package-info.js';
import type { CommandResult } from '../main.js';

/** Prints the JSON Schema of endpoints.yaml, for editors and other tools. */
export function schemaCommand(argv: string[]): CommandResult {
  const which = argv[0] === 'policy' ? 'policy.v1.json' : 'endpoints.v1.json';
  return { exitCode: 0, stdout: readFileSync(`${PACKAGE_ROOT}schemas/${which}`, 'utf8') };
}
