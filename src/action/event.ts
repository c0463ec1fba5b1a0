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
  /**
   * The pull request the run is about and reports to: pull_request,
   * pull_request_target, and workflow_run of a pull request when GitHub names it.
   */
  pullRequest: PullRequestInfo | undefined;
  /** An issue_comment on a pull request names it by number only: its commits are looked up. */
  pullRequestToLookUp: number | undefined;
  /**
   * The commit (or branch) that supplies the policies, the waiver policy and
   * the provider settings, because the run checks changes not merged yet: a
   * pull request's base, a merge group's base. Undefined: the workspace's own
   * files are trusted (push, schedule, workflow_dispatch), or it is set once
   * the pull request is looked up.
   */
  trustedRef: string | undefined;
  /**
   * Why provider credentials must not be used in this run, if they must not:
   * a pull request from a fork or from Dependabot, or a run with the
   * repository's secrets on behalf of a pull request (pull_request_target,
   * issue_comment, workflow_run), where its files may be checked out.
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

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; repo?: RepoPayload | null };
  base?: { sha?: string };
}

interface Payload {
  pull_request?: PullRequestPayload;
  issue?: { number?: number; pull_request?: object };
  workflow_run?: { event?: string; pull_requests?: PullRequestPayload[]; head_repository?: RepoPayload | null };
  merge_group?: { base_sha?: string };
  repository?: RepoPayload;
}

/** A run with the repository's secrets and a write token, started for a pull request whose files it may hold. */
const PRIVILEGED = (what: string) => `${what} runs with the repository's secrets on behalf of a pull request whose files may be checked out`;

export function readEvent(env: NodeJS.ProcessEnv = process.env): ActionEvent {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const fullName = env.GITHUB_REPOSITORY ?? payload.repository?.full_name ?? '';
  const [owner = '', repo = ''] = fullName.split('/');
  if (owner === '' || repo === '') throw new ToolError('GITHUB_REPOSITORY is not set: the action must run in a GitHub Actions workflow');
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/$/, '');
  const about = aboutPullRequest(name, payload, fullName, env.GITHUB_ACTOR);
  return {
    name,
    repo: { owner, repo },
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    defaultBranch: payload.repository?.default_branch,
    ...about,
    runId: env.GITHUB_RUN_ID ?? '',
    runUrl: `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
  };
}

type Trust = Pick<ActionEvent, 'pullRequest' | 'pullRequestToLookUp' | 'trustedRef' | 'untrusted' | 'readOnlyToken'>;

/** Every event, decided: see the table in docs/action.md. */
function aboutPullRequest(name: string, payload: Payload, fullName: string, actor: string | undefined): Trust {
  const none = { pullRequest: undefined, pullRequestToLookUp: undefined, trustedRef: undefined, untrusted: undefined, readOnlyToken: false };
  switch (name) {
    case 'pull_request':
    case 'pull_request_target': {
      const pullRequest = pullRequestInfo(payload.pull_request);
      const fork = forkReason(payload.pull_request?.head?.repo, fullName);
      const dependabot = actor === 'dependabot[bot]' ? 'Dependabot pull requests get a read-only token and no secrets' : undefined;
      const target = name === 'pull_request_target' ? PRIVILEGED('pull_request_target') : undefined;
      return { ...none, pullRequest, trustedRef: pullRequest.baseSha, untrusted: target ?? fork ?? dependabot, readOnlyToken: name === 'pull_request' && (fork ?? dependabot) !== undefined };
    }
    case 'issue_comment': {
      const number = payload.issue?.number;
      if (!payload.issue?.pull_request || number === undefined) return none;
      return { ...none, pullRequestToLookUp: number, untrusted: PRIVILEGED('issue_comment') };
    }
    case 'workflow_run': {
      const run = payload.workflow_run;
      if (!run?.event?.startsWith('pull_request')) return none;
      // GitHub lists the pull request only when its head is in this repository; a fork's is not named.
      const listed = run.pull_requests?.[0];
      const pullRequest = listed ? pullRequestInfo(listed) : undefined;
      const base = pullRequest?.baseSha ?? payload.repository?.default_branch;
      if (base === undefined) throw new ToolError('the workflow_run payload names neither the pull request nor the default branch, so there is no base commit to trust');
      return { ...none, pullRequest, trustedRef: base, untrusted: PRIVILEGED(`workflow_run of a ${run.event} run`) };
    }
    case 'merge_group': {
      const base = payload.merge_group?.base_sha;
      if (!base) throw new ToolError('the merge_group payload has no base commit');
      return { ...none, trustedRef: base };
    }
    default:
      return none;
  }
}

function readPayload(path: string | undefined): Payload {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Payload;
  } catch (error) {
    throw new ToolError(`cannot read the event payload ${path}: ${(error as Error).message}`);
  }
}

export function pullRequestInfo(pr: PullRequestPayload | undefined): PullRequestInfo {
  const number = pr?.number;
  const headSha = pr?.head?.sha;
  const baseSha = pr?.base?.sha;
  if (number === undefined || !headSha || !baseSha) throw new ToolError('the event payload has no pull_request number, head or base commit');
  return { number, headSha, baseSha };
}

/**
 * Why the pull request's head is not this repository, if it is not. The head
 * repository's name decides, not its `fork` flag: that flag is also true for a
 * branch of a repository that is itself a fork, which is trusted.
 */
function forkReason(head: RepoPayload | null | undefined, fullName: string): string | undefined {
  if (!head) return 'the pull request\'s head repository was deleted, so its origin cannot be checked';
  if (head.full_name?.toLowerCase() !== fullName.toLowerCase()) return `the pull request comes from the fork ${head.full_name ?? '(unknown)'}`;
  return undefined;
}
