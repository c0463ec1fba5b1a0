import * as core from '@actions/core';
import { ToolError } from '../errors.js';
import { maskSecret } from './secrets.js';
import type { Trust } from '../lint/policy-changes.js';

export const COMMANDS = ['lint', 'plan', 'apply'] as const;
export type Command = (typeof COMMANDS)[number];

/** The input that acknowledges destructive and disruptive changes, as plan and apply name it. */
export const ACKNOWLEDGE_WITH = 'allow-destructive';

export interface ActionInputs {
  command: Command;
  config: string;
  /** Undefined: `policies/` beside the config file, when it exists. */
  policies: string | undefined;
  /** Undefined: the pull request's base commit, or no baseline outside pull requests. */
  baselineRef: string | undefined;
  /** Empty when the workflow passed none: only runs that call GitHub's API need it. */
  githubToken: string;
  comment: boolean;
  failOn: 'error' | 'warning';
  /** Undefined: no SARIF file. */
  sarifFile: string | undefined;
  allowDestructive: boolean;
  allowNonDefaultBranch: boolean;
  /** Apply: prove the applied file with `dbfence verify`'s proofs afterwards. */
  verify: boolean;
  /** `HOST:PORT:ADDRESS` lines for verify, as `dbfence verify --resolve`. */
  verifyResolve: string[];
  /** `HOST:PORT:ADDRESS:PORT2` lines for verify, as `dbfence verify --connect-to` (a tunnel on the runner). */
  verifyConnectTo: string[];
  /** Where a pull request's policies and waiver policy come from: its base commit, or its own files. */
  trust: Trust;
}

/**
 * The defaults of action.yml. The runner applies them, but a dist/index.js
 * started any other way (a test, a local run) gets no defaults, so they are
 * applied here too. `github-token` defaults to the job's token in action.yml;
 * that value only exists on a runner.
 */
export const DEFAULTS = {
  command: 'plan',
  config: 'endpoints.yaml',
  policies: '',
  'baseline-ref': '',
  'github-token': '',
  comment: 'true',
  'fail-on': 'error',
  'sarif-file': 'dbfence.sarif',
  'allow-destructive': 'false',
  'allow-non-default-branch': 'false',
  trust: 'base',
  verify: 'true',
  'verify-resolve': '',
  'verify-connect-to': '',
} as const;

type InputName = keyof typeof DEFAULTS;

export function readInputs(): ActionInputs {
  // Masked before anything else can print it.
  const githubToken = input('github-token');
  if (githubToken !== '') maskSecret(githubToken);
  const command = oneOf('command', COMMANDS);
  const config = input('config');
  if (config === '') throw new ToolError('the config input is empty: name the endpoints.yaml to check');
  return {
    command,
    config,
    policies: optional('policies'),
    baselineRef: optional('baseline-ref'),
    githubToken,
    comment: bool('comment'),
    failOn: oneOf('fail-on', ['error', 'warning'] as const),
    sarifFile: optional('sarif-file'),
    allowDestructive: bool('allow-destructive'),
    allowNonDefaultBranch: bool('allow-non-default-branch'),
    trust: oneOf('trust', ['base', 'head'] as const),
    verify: bool('verify'),
    verifyResolve: lines('verify-resolve'),
    verifyConnectTo: lines('verify-connect-to'),
  };
}

function input(name: InputName): string {
  const value = core.getInput(name);
  return value === '' && process.env[inputVariable(name)] === undefined ? DEFAULTS[name] : value;
}

/** The variable the runner sets for an input: upper case, hyphens kept. */
function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** One value a line, as a multi-line input (`|`) gives them; blank lines ignored. */
function lines(name: InputName): string[] {
  return input(name).split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

function optional(name: InputName): string | undefined {
  const value = input(name);
  return value === '' ? undefined : value;
}

function bool(name: InputName): boolean {
  const value = input(name);
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  throw new ToolError(`the ${name} input must be true or false, not "${value}"`);
}

function oneOf<T extends string>(name: InputName, allowed: readonly T[]): T {
  const value = input(name);
  if (!(allowed as readonly string[]).includes(value)) throw new ToolError(`the ${name} input must be ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')}, not "${value}"`);
  return value as T;
}
