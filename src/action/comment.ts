import { packageVersion } from '../package-info.js';
import type { ActionEvent, Repo } from './event.js';
import { type GitHub, httpStatus } from './github.js';
import { fitSections, type Section } from './report.js';
import { scrubSecrets } from './secrets.js';

/** Marks the sticky report comment; the metadata beside it says which file and commit it shows. */
export const REPORT_MARKER = '<!-- dbfence:report -->';
/** Marks apply results: one new comment per apply, never edited. */
export const APPLY_MARKER = '<!-- dbfence:apply -->';

/** GitHub refuses a comment body longer than this (422 "Body is too long"). */
export const COMMENT_LIMIT = 65_536;
/** Room for what scrubbing and GitHub's own counting may add. */
const MARGIN = 512;

export interface CommentMeta {
  /** The pull request's head commit the report is about. */
  sha: string;
  /** The config file: one sticky comment per file, so two environments keep two comments. */
  config: string;
  run: string;
  at: string;
}

export function metaComment(meta: CommentMeta): string {
  // `<` and `>` escaped so no value can close the HTML comment early.
  const json = JSON.stringify(meta).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `<!-- dbfence:meta ${json} -->`;
}

export function parseMeta(body: string): Partial<CommentMeta> | undefined {
  const match = /<!-- dbfence:meta (\{.*?\}) -->/.exec(body);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as Partial<CommentMeta>;
  } catch {
    return undefined;
  }
}

/**
 * A comment body under GitHub's limit: the marker, the metadata and the
 * headline always; the sections whole while they fit, else shortened (errors
 * first), with a link to the job summary, which has everything.
 */
export function commentBody(marker: string, meta: CommentMeta, title: string, parts: readonly Section[], runUrl: string): string {
  const head = `${marker}\n${metaComment(meta)}\n${title}\n`;
  const footer = (shortened: boolean) => [
    shortened ? `\n> [!NOTE]\n> This report is longer than a comment may be (${COMMENT_LIMIT.toLocaleString('en-US')} characters): it was shortened. The full report is in the [job summary](${runUrl}).\n` : '',
    `\n<sub>dbfence ${packageVersion()} · commit ${meta.sha.slice(0, 7)} · [workflow run](${runUrl}) · ${meta.at}</sub>\n`,
  ].join('');
  const budget = COMMENT_LIMIT - MARGIN - head.length - footer(true).length;
  const { text, shortened } = fitSections(parts, budget);
  return scrubSecrets(`${head}${text}${footer(shortened)}`);
}

export interface IssueComment {
  id: number;
  body?: string | undefined;
  html_url: string;
  user: { login: string } | null;
}

/** Logins compared as the REST API (`name[bot]`) and GraphQL (`name`) spell bots. */
function sameLogin(a: string | undefined, b: string): boolean {
  const plain = (login: string) => login.replace(/\[bot\]$/, '').toLowerCase();
  return a !== undefined && plain(a) === plain(b);
}

/**
 * Our report comments for `config` on the pull request, oldest first: the
 * marker alone is not enough, since anyone can paste it; the author must be
 * the token's own identity.
 */
export async function findReportComments(github: GitHub, repo: Repo, issue: number, me: string, config: string): Promise<IssueComment[]> {
  const comments = await github.paginate(github.rest.issues.listComments, { ...repo, issue_number: issue, per_page: 100 });
  return comments
    .filter((comment) => comment.body?.includes(REPORT_MARKER) && sameLogin(comment.user?.login, me) && (parseMeta(comment.body ?? '')?.config ?? config) === config)
    .sort((a, b) => a.id - b.id);
}

export type StickyOutcome =
  | { action: 'created' | 'updated'; url: string }
  | { action: 'kept-newer'; url: string; sha: string }
  | { action: 'none' };

/**
 * Creates or updates the one report comment. Nothing is posted when there is
 * nothing to say and no comment yet (`quiet`); an existing comment is then
 * updated to say so. A comment showing a newer commit of the pull request is
 * left alone, so a slow run for an older commit never overwrites it.
 * Duplicates left by two runs that raced to create are deleted.
 */
export async function upsertReportComment(
  github: GitHub, event: ActionEvent & { pullRequest: NonNullable<ActionEvent['pullRequest']> },
  existing: readonly IssueComment[], body: string, quiet: boolean,
): Promise<StickyOutcome> {
  const { repo } = event;
  const pr = event.pullRequest;
  const [current, ...duplicates] = existing;
  for (const duplicate of duplicates) await github.rest.issues.deleteComment({ ...repo, comment_id: duplicate.id });
  if (!current) {
    if (quiet) return { action: 'none' };
    const { data } = await github.rest.issues.createComment({ ...repo, issue_number: pr.number, body });
    return { action: 'created', url: data.html_url };
  }
  const shown = parseMeta(current.body ?? '')?.sha;
  if (shown && (await isNewerCommit(github, repo, pr.number, pr.headSha, shown))) {
    return { action: 'kept-newer', url: current.html_url, sha: shown };
  }
  const { data } = await github.rest.issues.updateComment({ ...repo, comment_id: current.id, body });
  return { action: 'updated', url: data.html_url };
}

/**
 * Whether `theirs` comes after `ours` in the pull request's history. The
 * compare API answers from the commit graph: `ahead` means theirs descends
 * from ours. After a force-push the two have diverged and only the pull
 * request's current head can tell: ours is newer only if it is that head.
 * A commit the API no longer knows (rewritten away) is not newer.
 */
export async function isNewerCommit(github: GitHub, repo: Repo, pull: number, ours: string, theirs: string): Promise<boolean> {
  if (theirs === ours) return false;
  try {
    const { data } = await github.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${ours}...${theirs}`, per_page: 1 });
    if (data.status !== 'diverged') return data.status === 'ahead';
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
  const { data } = await github.rest.pulls.get({ ...repo, pull_number: pull });
  return data.head.sha !== ours;
}

/** The pull request a pushed commit came from: the merged one whose merge commit it is, else any merged one. */
export async function findMergedPullRequest(github: GitHub, repo: Repo, sha: string): Promise<number | undefined> {
  const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
  const merged = data.filter((pr) => pr.merged_at);
  return (merged.find((pr) => pr.merge_commit_sha === sha) ?? merged[0])?.number;
}
