import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ToolError } from '../../errors.js';
import { BUILTIN_PACK, POLICY_SCHEMA_TEXT } from '../../generated/assets.js';
import { DEFAULT_MAX_FILE_BYTES, formatLimit, readRegularFile } from '../../model/read.js';
import type { AnyRule } from '../rule.js';
import type { CustomRule } from './custom-rule.js';
import type { Pack } from './pack.js';

/** The built-in pack, policies/recommended.yaml (compiled into the package by scripts/generate.mjs). */
export function loadBuiltinPack(): Pack {
  return BUILTIN_PACK as Pack;
}

export interface PolicyDirectory {
  packs: Pack[];
  rules: CustomRule[];
  /** The policy files read. */
  files: string[];
}

/**
 * Reads a team's policies/ folder: packs (severities and options) and custom
 * rules. Any file that does not hold a valid policy stops the run (exit 2),
 * naming the file and the reason: a policy silently skipped is a hole.
 */
export async function loadPolicyDirectory(dir: string, builtinRules: readonly AnyRule[]): Promise<PolicyDirectory> {
  const files = listPolicyFiles(dir);
  if (files.length === 0) return { packs: [], rules: [], files };
  const { compilePolicyFiles } = await import(/* webpackMode: "eager" */ './compile.js');
  const policySchema = JSON.parse(POLICY_SCHEMA_TEXT) as object;
  return { ...compilePolicyFiles(readPolicyTexts(files), builtinRules, policySchema), files };
}

/** The policy files of a folder as text, in name order, each with the name messages give it (for comparison without compiling too). */
export function readPolicyFolder(dir: string): { file: string; text: string }[] {
  return readPolicyTexts(listPolicyFiles(dir));
}

function readPolicyTexts(files: readonly string[]): { file: string; text: string }[] {
  return files.map((file) => ({ file: shownName(file), text: readText(file) }));
}

function listPolicyFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ToolError(`policies: ${dir} is not a folder`);
    names = readdirSync(dir);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ToolError(`policies: the folder ${dir} does not exist`);
    throw new ToolError(`policies: cannot read the folder ${dir}: ${code ?? String(error)}`);
  }
  return names.filter((name) => /\.(ya?ml|json)$/.test(name)).sort().map((name) => join(dir, name));
}

function readText(file: string): string {
  const read = readRegularFile(file, DEFAULT_MAX_FILE_BYTES, (reason) => `${file}: cannot read the policy file: ${reason}`);
  if (!('bytes' in read)) throw new ToolError(`${file}: the policy file is over ${formatLimit(DEFAULT_MAX_FILE_BYTES)}; is this the right file?`);
  return read.bytes.toString('utf8');
}

/** A policy file's name in messages: relative to the working directory when inside it, as findings name files. */
function shownName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}
