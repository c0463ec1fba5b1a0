import { ToolError } from '../errors.js';
import { packageVersion } from '../package-info.js';

export interface CommandResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

const HELP = `Usage: dbfence <command> [options]

Commands:
  init [FILE]      write a commented starter endpoints.yaml for a provider
  lint [FILE...]   check endpoints.yaml (files, folders, globs, - for stdin) against the schema, the rules and your policies
  plan [FILE]      show what apply would change on the live database, and the drift
  apply [FILE]     make the live database match the file
  verify [FILE]    prove, as each integration, that the live database behaves as the file says
  rules            list the rules with their severities and documentation
  schema [policy]  print the JSON Schema of endpoints.yaml (or of policy files)
  ca init          create a CA for the server certificates of postgres or mariadb
  ca-cert [FILE]   print the CA certificate clients need for full verification

Run dbfence <command> --help for a command's options.`;

type Command = (argv: string[]) => Promise<CommandResult> | CommandResult;

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.js')).initCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  rules: async () => (await import('./commands/rules.js')).rulesCommand,
  schema: async () => (await import('./commands/schema.js')).schemaCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  apply: async () => (await import('./commands/plan.js')).applyCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  ca: async () => (await import('./commands/ca.js')).caCommand,
  'ca-cert': async () => (await import('./commands/ca.js')).caCertCommand,
};

export async function main(argv: string[]): Promise<CommandResult> {
  const [first, ...rest] = argv;
  // `dbfence help lint` is `dbfence lint --help`.
  const [name, args] = first === 'help' && rest[0] !== undefined ? [rest[0], ['--help']] : [first, rest];
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { exitCode: 0, stdout: `${HELP}\n` };
  if (name === '--version' || name === '-v') return { exitCode: 0, stdout: `${packageVersion()}\n` };
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) return { exitCode: 2, stderr: `dbfence: unknown command "${name}"\n\n${HELP}\n` };
  try {
    return await (await load())(args);
  } catch (error) {
    return { exitCode: 2, stderr: `dbfence: ${describeError(error, name)}\n` };
  }
}

function describeError(error: unknown, command: string): string {
  if (error instanceof ToolError) return error.message;
  const code = (error as { code?: string }).code;
  // node:util parseArgs reports bad flags with these codes; they are the user's to fix.
  if (code?.startsWith('ERR_PARSE_ARGS')) {
    // Its advice on positionals that start with a dash is noise for a mistyped flag.
    const message = (error as Error).message.split('. To specify a positional argument')[0]!.replace(/\n/g, ' ');
    return `${message} (see dbfence ${command} --help)`;
  }
  const detail = process.env.DBFENCE_DEBUG ? `\n${(error as Error).stack}` : ' (set DBFENCE_DEBUG=1 for details)';
  return `internal error: ${(error as Error).message ?? String(error)}${detail}`;
}

/** Runs the CLI as a process: prints the result and sets the exit status. */
export async function run(argv: string[]): Promise<void> {
  // A reader that stops early (`| head`) closes the pipe: that ends the output, it is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
  const result = await main(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
