import { closeSync, lstatSync, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { STARTER_FILES } from '../../generated/assets.js';
import type { ProviderKind } from '../../model/config.js';
import type { CommandResult } from '../main.js';
import { WRITE_ERRORS } from './lint.js';

const STARTERS: Record<ProviderKind, string> = STARTER_FILES;
const PROVIDERS = Object.keys(STARTERS) as ProviderKind[];
const PROVIDER_LIST = `${PROVIDERS.slice(0, -1).join(', ')} or ${PROVIDERS.at(-1)}`;

export const INIT_HELP = `Usage: dbfence init [FILE] --provider PROVIDER

Writes a commented starter endpoints.yaml for PROVIDER (${PROVIDER_LIST}) to
FILE (default endpoints.yaml). It never overwrites a file. Without --provider
it asks which provider on a terminal, and stops elsewhere.

Options:
  -p, --provider PROVIDER   ${PROVIDER_LIST}

Exit status: 0 written, 2 not written (the file exists, or no provider given).`;

export async function initCommand(argv: string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      provider: { type: 'string', short: 'p' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${INIT_HELP}\n` };
  if (positionals.length > 1) throw new ToolError(`init takes one file, not ${positionals.length}`);
  const file = positionals[0] ?? 'endpoints.yaml';
  // Before asking anything: the answer would be wasted on a file that is there.
  if (lstatSync(file, { throwIfNoEntry: false })) throw exists(file);
  const provider = values.provider ?? await askProvider();
  if (!isProvider(provider)) throw new ToolError(`--provider must be ${PROVIDER_LIST}, not "${provider}"`);
  writeNewFile(file, STARTERS[provider]);
  return { exitCode: 0, stdout: `Wrote ${file}, a starter for ${provider}. Replace its example names and addresses with yours, then run: dbfence lint ${file}\n` };
}

function isProvider(name: string): name is ProviderKind {
  return (PROVIDERS as string[]).includes(name);
}

/** Only a person at a terminal is asked; a script gets one line saying what to pass. */
async function askProvider(): Promise<string> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new ToolError(`init needs --provider ${PROVIDERS.join('|')} when it is not run from a terminal`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(`Which provider: ${PROVIDER_LIST}? `)).trim();
  } finally {
    prompt.close();
  }
}

function exists(path: string): ToolError {
  return new ToolError(`${path} exists already: init never overwrites a file (name another FILE, or edit it)`);
}

/** Creates the file; `wx` fails on anything already there, a symbolic link included, so nothing is overwritten. */
function writeNewFile(path: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'wx');
    writeSync(fd, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw exists(path);
    throw new ToolError(`cannot write ${path}: ${WRITE_ERRORS[code] ?? (code || String(error))}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
