import { ToolError } from '../errors.js';
import { packageVersion } from '../package-info.js';

export interface CommandResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

const HELP = `Usage: dbfence <command> [options]

Commands:
  lint [FILE...]   check endpoints.yaml against the schema, the rules and your policies
  rules            list the rules with their severities and documentation
  schema [policy]  print the JSON Schema of endpoints.yaml (or of policy files)

Run dbfence <command> --help for a command's options.`;

type Command = (argv: string[]) => Promise<CommandResult> | CommandResult;

const COMMANDS: Record<string, () => Promise<Command>> = {
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  rules: async () => (await import('./commands/rules.js')).rulesCommand,
  schema: async () => (await import('./commands/schema.js')).schemaCommand,
};

export async function main(argv: string[]): Promise<CommandResult> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { exitCode: 0, stdout: `${HELP}\n` };
  if (name === '--version' || name === '-v') return { exitCode: 0, stdout: `${packageVersion()}\n` };
  const load = COMMANDS[name];
  if (!load) return { exitCode: 2, stderr: `dbfence: unknown command "${name}"\n\n${HELP}\n` };
  try {
    return await (await load())(rest);
  } catch (error) {
    return { exitCode: 2, stderr: `dbfence: ${describeError(error)}\n` };
  }
}

function describeError(error: unknown): string {
  if (error instanceof ToolError) return error.message;
  const code = (error as { code?: string }).code;
  // node:util parseArgs reports bad flags with these codes; they are the user's to fix.
  if (code?.startsWith('ERR_PARSE_ARGS')) return (error as Error).message;
  const detail = process.env.DBFENCE_DEBUG ? `\n${(error as Error).stack}` : ' (set DBFENCE_DEBUG=1 for details)';
  return `internal error: ${(error as Error).message ?? String(error)}${detail}`;
}

/** Runs the CLI as a process: prints the result and sets the exit status. */
export async function run(argv: string[]): Promise<void> {
  const result = await main(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
