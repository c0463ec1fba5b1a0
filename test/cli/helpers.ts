import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${REPO_ROOT}bin/dbfence.js`;

/** The CLI fixtures; the CLI runs there, so findings name the files as a user would type them. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/cli-lint/', import.meta.url));

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/dbfence.js …` (the bundle in dist/cli/) as a process, with stdout a
 * pipe and none of the caller's colour settings unless given in `env`; `node`
 * is another Node binary to run it with; `input`, what it reads on standard input.
 */
export function dbfence(args: string[], options: { env?: Record<string, string>; cwd?: string; node?: string; input?: string | Buffer } = {}): Promise<Outcome> {
  if (!existsSync(`${REPO_ROOT}dist/cli/index.cjs`)) throw new Error('dist/cli/index.cjs is missing: run `npm run bundle` first');
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'DBFENCE_DEBUG', 'TERM']) delete env[name];
  return new Promise((resolve) => {
    const child = execFile(options.node ?? process.execPath, [BIN, ...args], { cwd: options.cwd ?? FIXTURES, encoding: 'utf8', env: { ...env, ...options.env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    // The CLI may stop reading before the end (an input over the bound): that closes the pipe, it is no failure.
    child.stdin?.on('error', () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** One line for the user, no stack trace. */
export function expectOneLineError(outcome: Outcome, pattern: RegExp): void {
  if (outcome.code !== 2 || outcome.stdout !== '' || !/^dbfence: [^\n]+\n$/.test(outcome.stderr) || !pattern.test(outcome.stderr)) {
    throw new Error(`expected exit 2 with one line matching ${pattern}, got ${JSON.stringify(outcome)}`);
  }
}
