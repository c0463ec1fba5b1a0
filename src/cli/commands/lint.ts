import { type BigIntStats, closeSync, constants, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { summarize } from '../../lint/finding.js';
import { fixFile } from '../../lint/fix.js';
import { type RunFile, runLint } from '../../lint/run.js';
import { DEFAULT_MAX_FILE_BYTES, readBoundedStream } from '../../model/read.js';
import { FORMATS, type Format, render, reportInput } from '../../report/index.js';
import { repositoryRoot } from '../../report/paths.js';
import { useColor } from '../color.js';
import { expandInputs, STDIN } from '../inputs.js';
import type { CommandResult } from '../main.js';

export const LINT_HELP = `Usage: dbfence lint [FILE|FOLDER|GLOB|-]... [options]

Checks endpoints.yaml files against the schema, the built-in rules and your
policies. FILE defaults to endpoints.yaml; a FOLDER means every endpoints.yaml
and endpoints.yml below it (not in node_modules or .git); a quoted GLOB
('envs/*/endpoints.yaml') the files it matches; - standard input.

Options:
  -f, --format FORMAT     stylish (default), json, sarif, github, markdown, junit or gitlab
  -o, --output FILE       write the report to FILE instead of standard output
      --quiet             report errors only (warnings still count for --fail-on and --max-warnings)
      --fail-on LEVEL     error (default) or warning: the lowest severity that fails
      --max-warnings N    fail when there are more than N warnings
      --policies DIR      your policies folder (default: policies/ beside the file)
      --policies-from REF take the policies folder as it stands at git REF, as the
                          Action does on a pull request (e.g. origin/main)
      --stdin-filename F  the name standard input is reported under, and whose
                          policies/ it uses (default <stdin> in this folder)
      --base-dir DIR      sarif, github, junit and gitlab paths are relative to DIR
                          (default: the git repository's top folder)
      --max-file-size N   refuse files over N bytes (default 16 MiB)
      --fix               rewrite mechanical findings in the files first (host bits,
                          a bare address without /32, lower-case privileges),
                          keeping comments and layout; the report shows what is left
      --no-color          no colour even on a terminal (NO_COLOR works too)

Exit status: 0 clean or only findings below the threshold, 1 findings at or
above it, 2 the tool could not run.`;

export async function lintCommand(argv: string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'stylish' },
      output: { type: 'string', short: 'o' },
      'fail-on': { type: 'string', default: 'error' },
      'max-warnings': { type: 'string' },
      policies: { type: 'string' },
      'policies-from': { type: 'string' },
      'max-file-size': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'stdin-filename': { type: 'string' },
      'base-dir': { type: 'string' },
      fix: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${LINT_HELP}\n` };
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new ToolError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  const failOn = values['fail-on'];
  if (failOn !== 'error' && failOn !== 'warning') throw new ToolError(`--fail-on must be error or warning, not "${failOn}"`);
  const maxWarnings = optionalCount(values['max-warnings'], '--max-warnings');
  const maxFileBytes = optionalCount(values['max-file-size'], '--max-file-size');
  const inputs = await expandInputs(positionals.length > 0 ? positionals : ['endpoints.yaml']);
  const stdinName = values['stdin-filename'];
  if (stdinName !== undefined && !inputs.includes(STDIN)) throw new ToolError('--stdin-filename names standard input: add - to the files to lint it');
  const files = inputs.filter((input) => input !== STDIN);
  const baseDir = values['base-dir'] === undefined ? repositoryRoot(process.cwd()) ?? process.cwd() : resolve(values['base-dir']);
  const output = values.output;
  const bound = maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const lintInputs = await Promise.all(inputs.map(async (input) =>
    input === STDIN ? { path: stdinName ?? '<stdin>', content: await readBoundedStream(process.stdin, bound) } : input));

  const ref = values['policies-from'];
  // What --fix rewrote and what the working tree changes against REF go to stderr: stdout stays the report.
  if (values.fix && inputs.includes(STDIN)) throw new ToolError('--fix rewrites files in place: it cannot fix standard input (-)');
  let changes = values.fix ? fixFiles(files, maxFileBytes) : '';
  const first = lintInputs[0]!;
  const run = ref === undefined
    ? await runLint(lintInputs, { policiesDir: values.policies, maxFileBytes: bound })
    // Loaded only for --policies-from: it brings in child processes, which a plain lint never starts.
    : await (await import('../git-ref.js')).withPoliciesAt(ref, typeof first === 'string' ? first : first.path, values.policies, async (trusted) => {
      const linted = await runLint(lintInputs, { policiesDir: trusted.policiesDir, maxFileBytes: bound });
      changes += trusted.changesNote(linted.files[0]!);
      return linted;
    });
  const color = output === undefined && !values['no-color'] && useColor(process.stdout);
  const shown = values.quiet ? (file: RunFile) => file.findings.filter((finding) => finding.severity === 'error') : undefined;
  const report = render(format, { ...reportInput(run, shown), baseDir }, { color });
  const { errors, warnings } = summarize(run.files.flatMap((file) => file.findings));
  const tooManyWarnings = maxWarnings !== undefined && warnings > maxWarnings;
  const exitCode = errors > 0 || (failOn === 'warning' && warnings > 0) || tooManyWarnings ? 1 : 0;
  // Why the run failed when no finding is an error: the report alone does not say.
  const limit = tooManyWarnings ? `dbfence: ${plural(warnings, 'warning')}, more than --max-warnings ${maxWarnings}\n` : '';
  if (output !== undefined) {
    writeReport(output, report, [...files, ...run.policyFiles]);
    return { exitCode, stderr: `${changes}dbfence: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}; ${format} report written to ${output}\n${limit}` };
  }
  return { exitCode, stdout: report, ...(changes || limit ? { stderr: `${changes}${limit}` } : {}) };
}

/** Fixes each file in place; one line on stderr per file it rewrote. */
function fixFiles(files: readonly string[], maxFileBytes: number | undefined): string {
  return files.map((file) => {
    let fixes: number;
    try {
      fixes = fixFile(file, maxFileBytes);
    } catch (error) {
      if (error instanceof ToolError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new ToolError(`--fix cannot write ${file}: ${WRITE_ERRORS[code] ?? (code || String(error))}`);
    }
    return fixes > 0 ? `dbfence: --fix rewrote ${plural(fixes, 'value')} in ${file}\n` : '';
  }).join('');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Writes the report, creating its folder as ESLint's --output-file does
 * (`-o reports/dbfence.sarif`). The file is opened first and only emptied once
 * it is known not to be one the run read, by device and inode: a symbolic or
 * hard link to endpoints.yaml or a policy would otherwise be overwritten.
 */
export function writeReport(path: string, report: string, reads: readonly string[]): void {
  const refuse = (file: string) => new ToolError(`--output ${path} is ${file}, a file this run reads: the report would overwrite it`);
  const named = reads.find((file) => resolve(file) === resolve(path));
  if (named !== undefined) throw refuse(named);
  let fd: number | undefined;
  try {
    createFolder(dirname(resolve(path)));
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT);
    const target = fstatSync(fd, { bigint: true });
    const linked = reads.find((file) => isSameFile(file, target));
    if (linked !== undefined) throw refuse(linked);
    if (target.isFile()) ftruncateSync(fd);
    writeFileSync(fd, report);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolError(`cannot write ${path}: ${WRITE_ERRORS[code ?? ''] ?? code ?? String(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isSameFile(path: string, target: BigIntStats): boolean {
  try {
    const stats = statSync(path, { bigint: true });
    return stats.dev === target.dev && stats.ino === target.ino;
  } catch {
    return false; // a file the run could not read was not read
  }
}

/**
 * One level at a time, not `mkdirSync(…, { recursive: true })`: that loops
 * forever where mkdir fails with ENOENT under an existing folder, as in /proc.
 */
function createFolder(dir: string): void {
  if (existsSync(dir) || dirname(dir) === dir) return;
  createFolder(dirname(dir));
  mkdirSync(dir);
}

export const WRITE_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'no such folder',
};

function optionalCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  // JSON quoting keeps a value with a line break on the error's one line.
  if (!/^\d+$/.test(text)) throw new ToolError(`${flag} takes a whole number, not ${JSON.stringify(text)}`);
  const count = Number(text);
  // Past this, a number is rounded: the flag would not mean what it says.
  if (!Number.isSafeInteger(count)) throw new ToolError(`${flag} takes a whole number up to ${Number.MAX_SAFE_INTEGER}, not ${text}`);
  return count;
}
