import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { ENDPOINTS_SCHEMA_TEXT, POLICY_SCHEMA_TEXT } from '../../generated/assets.js';
import type { CommandResult } from '../main.js';

export const SCHEMA_HELP = `Usage: dbfence schema [endpoints|policy]

Prints the JSON Schema of endpoints.yaml (the default) or of policy files, for
editors and other tools.`;

const SCHEMAS: Record<string, string> = { endpoints: ENDPOINTS_SCHEMA_TEXT, policy: POLICY_SCHEMA_TEXT };

export function schemaCommand(argv: string[]): CommandResult {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) return { exitCode: 0, stdout: `${SCHEMA_HELP}\n` };
  const [which = 'endpoints', ...extra] = positionals;
  const schema = Object.hasOwn(SCHEMAS, which) ? SCHEMAS[which] : undefined;
  if (schema === undefined || extra.length > 0) throw new ToolError(`schema takes endpoints or policy, not "${positionals.join(' ')}"`);
  return { exitCode: 0, stdout: schema.endsWith('\n') ? schema : `${schema}\n` };
}
