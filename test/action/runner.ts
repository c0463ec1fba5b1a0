import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = 'Codertocat/Hello-World';
export const TOKEN = 'ghs_fakeJobToken0123456789abcdefABCDEF';
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const BASE_SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
export const MERGE_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
export const PR_NUMBER = 2;

const FIXTURES = new URL('../fixtures/github/', import.meta.url);

/** A trimmed real payload from test/fixtures/github/, changed by `edit` as GitHub would change it. */
export function payload(name: 'pull_request.synchronize' | 'push', edit: (p: any) => void = () => {}): unknown {
  const data = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
  edit(data);
  return data;
}

interface WebhookExamples {
  name: string;
  examples: any[];
}

let examples: WebhookExamples[] | undefined;

/**
 * A real payload from @octokit/webhooks-examples: the first example of
 * `event` that `pick` accepts (a copy), changed by `edit` as GitHub would
 * change it for the case at hand.
 */
export function example(event: string, pick: (p: any) => boolean = () => true, edit: (p: any) => void = () => {}): any {
  examples ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8')) as WebhookExamples[];
  const found = examples.find((entry) => entry.name === event)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event} example like that`);
  const data = structuredClone(found);
  edit(data);
  return data;
}

export interface Runner {
  /** The workspace: the checkout, where endpoints.yaml is. */
  workspace: string;
  env: Record<string, string>;
  outputFile: string;
  summaryFile: string;
}

export interface RunnerOptions {
  event: string;
  payload: unknown;
  inputs: Record<string, string>;
  apiUrl: string;
  sha?: string;
  ref?: string;
  actor?: string;
  /** Extra variables, e.g. the provider's secrets as a workflow's `env:` passes them. */
  extra?: Record<string, string>;
}

/** The environment the runner gives a JavaScript action: INPUT_* (hyphens kept), GITHUB_*, RUNNER_TEMP. */
export function runnerEnvironment(options: RunnerOptions): Runner {
  const root = mkdtempSync(join(tmpdir(), 'dbfence-action-'));
  const workspace = join(root, 'workspace');
  const temp = join(root, 'runner-temp');
  mkdirSync(workspace);
  mkdirSync(temp);
  const eventFile = join(root, 'event.json');
  const outputFile = join(root, 'output');
  const summaryFile = join(root, 'summary.md');
  writeFileSync(eventFile, JSON.stringify(options.payload));
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const isPull = options.event.startsWith('pull_request');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.event,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: options.sha ?? (isPull ? 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' : MERGE_SHA),
    GITHUB_REF: options.ref ?? (isPull ? `refs/pull/${PR_NUMBER}/merge` : 'refs/heads/master'),
    GITHUB_ACTOR: options.actor ?? 'Codertocat',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: temp,
    ...options.extra,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { workspace, env, outputFile, summaryFile };
}

/** The action.yml defaults, as the runner passes them. */
export function defaultInputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'plan', config: 'endpoints.yaml', policies: '', 'baseline-ref': '', 'github-token': TOKEN, comment: 'true',
    'fail-on': 'error', 'sarif-file': 'dbfence.sarif', 'allow-destructive': 'false', 'allow-non-default-branch': 'false', trust: 'base',
    verify: 'true', 'verify-resolve': '', 'verify-connect-to': '',
    ...overrides,
  };
}

/** Step outputs from the GITHUB_OUTPUT file (`name<<delimiter` … `delimiter` blocks). */
export function readOutputs(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const outputs: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
    outputs[match[1]!] = value.join('\n');
  }
  return outputs;
}
