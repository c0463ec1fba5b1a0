import { getOctokit } from '@actions/github';
import { ToolError } from '../errors.js';
import type { PullRequestInfo, Repo } from './event.js';

export type GitHub = ReturnType<typeof getOctokit>;

/**
 * An Octokit for the job's token. The API address is read here, not when
 * @actions/github is imported, so GitHub Enterprise Server (and a test's local
 * server) is honoured however the module was loaded.
 */
export function createGitHub(token: string): GitHub {
  if (token === '') throw new ToolError('the github-token input is empty: pass ${{ github.token }} (the default) or a token that may comment on pull requests');
  return getOctokit(token, { baseUrl: (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '') });
}

/** HTTP status of an Octokit request error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** One line about a failed API call, with the fix when it is a missing permission. */
export function describeApiError(error: unknown, what: string, permission: string): string {
  const status = httpStatus(error);
  const message = (error as Error).message ?? String(error);
  if (status === 401) return `${what}: GitHub refused the token (401 ${message})`;
  if (status === 403 || status === 404) return `${what}: GitHub answered ${status} ${message}; the job needs \`permissions: ${permission}\``;
  return `${what}: ${status ? `GitHub answered ${status} ` : ''}${message}`;
}

/**
 * Who the token belongs to, as comment authors are named in the REST API
 * (`github-actions[bot]` for the job's token). GraphQL's `viewer` answers for
 * every kind of token; REST's `GET /user` refuses installation tokens, which
 * is what the job's token and GitHub App tokens are.
 */
export async function whoAmI(github: GitHub): Promise<string> {
  const { viewer } = await github.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
  return viewer.login;
}

/** The repository's default branch, when the event payload did not name it. */
export async function defaultBranch(github: GitHub, repo: Repo): Promise<string> {
  const { data } = await github.rest.repos.get(repo);
  return data.default_branch;
}

/** The commits of a pull request the event names by number only (an issue comment). */
export async function pullRequestCommits(github: GitHub, repo: Repo, number: number): Promise<PullRequestInfo> {
  try {
    const { data } = await github.rest.pulls.get({ ...repo, pull_number: number });
    return { number, headSha: data.head.sha, baseSha: data.base.sha };
  } catch (error) {
    throw new ToolError(describeApiError(error, `cannot read pull request #${number}`, 'pull-requests: read'));
  }
}
