import { existsSync, readFileSync } from 'node:fs';
import { ToolError } from '../errors.js';

// A type, not an interface, so it fits Octokit's parameter records.
export type Repo = {
  owner: string;
  repo: string;
};

export interface PullRequestInfo {
  number: number;
  headSha: string;
  baseSha: string;
}

/** The run as the runner describes it: environment variables and the event payload. */
export interface ActionEvent {
  name: string;
  repo: Repo;
  /** The commit the workflow runs on (GITHUB_SHA). */
  sha: string;
  ref: string;
  /** From the payload; undefined when the payload does not say (then ask the API). */
  defaultBranch: string | undefined;
  /** Set on pull_request and pull_request_target events. */
  pullRequest: PullRequestInfo | undefined;
  /**
   * Why provider credentials must not be used in this run, if they must not:
   * a pull request from a fork or from Dependabot, or any pull_request_target
   * run (it has the base repository's secrets while a pull request's content
   * may be in the workspace).
   */
  untrusted: string | undefined;
  /** True when the job's token is read-only for this event (a fork's or Dependabot's pull_request). */
  readOnlyToken: boolean;
  runId: string;
  /** The run's page, where the job summary is. */
  runUrl: string;
}

interface RepoPayload {
  full_name?: string;
  default_branch?: string;
}

interface Payload {
  pull_request?: {
    number?: number;
    head?: { sha?: string; repo?: RepoPayload | null };
    base?: { sha?: string };
  };
  repository?: RepoPayload;
}

export function readEvent(env: NodeJS.ProcessEnv = process.env): ActionEvent {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const fullName = env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? '';
  const [owner = '', repo = ''] = fullName.split('/');
  if (owner === '' || repo === '') throw new ToolError('GITHUB_REPOSITORY is not set: the action must run in a GitHub Actions workflow');
  const pullRequest = name.startsWith('pull_request') ? pullRequestInfo(payload) : undefined;
  const fork = pullRequest ? forkReason(payload, fullName) : undefined;
  const dependabot = pullRequest && env.GITHUB_ACTOR === 'dependabot[bot]' ? 'Dependabot pull requests get a read-only token and no secrets' : undefined;
  const target = name === 'pull_request_target'
    ? 'pull_request_target runs with the base repository\'s secrets while a pull request\'s files may be checked out'
    : undefined;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/$/, '');
  return {
    name,
    repo: { owner, repo },
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    defaultBranch: payload.repository?.default_branch,
    pullRequest,
    untrusted: target ?? fork ?? dependabot,
    readOnlyToken: name === 'pull_request' && (fork ?? dependabot) !== undefined,
    runId: env.GITHUB_RUN_ID ?? '',
    runUrl: `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
  };
}

function readPayload(path: string | undefined): Payload {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Payload;
  } catch (error) {
    throw new ToolError(`cannot read the event payload ${path}: ${(error as Error).message}`);
  }
}

function pullRequestInfo(payload: Payload): PullRequestInfo {
  const pr = payload.pull_request;
  const number = pr?.number;
  const headSha = pr?.head?.sha;
  const baseSha = pr?.base?.sha;
  if (number === undefined || !headSha || !baseSha) throw new ToolError('the pull-request event payload has no pull_request number, head or base commit');
  return { number, headSha, baseSha };
}

/**
 * Why the pull request's head is not this repository, if it is not. The head
 * repository's name decides, not its `fork` flag: that flag is also true for a
 * branch of a repository that is itself a fork, which is trusted.
 */
function forkReason(payload: Payload, fullName: string): string | undefined {
  const head = payload.pull_request?.head?.repo;
  if (!head) return 'the pull request\'s head repository was deleted, so its origin cannot be checked';
  if (head.full_name?.toLowerCase() !== fullName.toLowerCase()) return `the pull request comes from the fork ${head.full_name ?? '(unknown)'}`;
  return undefined;
}
