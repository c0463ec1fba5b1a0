import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPLY_MARKER, commentBody, COMMENT_LIMIT, findReportComments, metaComment, parseMeta, REPORT_MARKER, upsertReportComment } from '../../src/action/comment.js';
import type { ActionEvent } from '../../src/action/event.js';
import { createGitHub, type GitHub } from '../../src/action/github.js';
import { fitSections, headline, sections, type CheckResult } from '../../src/action/report.js';
import { verifySection } from '../../src/action/verify.js';
import type { Finding } from '../../src/lint/finding.js';
import { FakeGitHub } from '../fakes/github/server.js';
import { PR_NUMBER, TOKEN } from './runner.js';

const repo = { owner: 'Codertocat', repo: 'Hello-World' };
const [C1, C2, C3, FORCED] = ['c1'.repeat(20), 'c2'.repeat(20), 'c3'.repeat(20), 'f0'.repeat(20)];
let fake: FakeGitHub;
let github: GitHub;

function event(headSha: string): ActionEvent & { pullRequest: NonNullable<ActionEvent['pullRequest']> } {
  return {
    name: 'pull_request', repo, sha: 'm'.repeat(40), ref: 'refs/pull/2/merge', defaultBranch: 'master', untrusted: undefined, readOnlyToken: false,
    pullRequest: { number: PR_NUMBER, headSha, baseSha: 'b'.repeat(40) }, pullRequestToLookUp: undefined, trustedRef: 'b'.repeat(40), runId: '7', runUrl: 'https://github.com/Codertocat/Hello-World/actions/runs/7',
  };
}

function body(sha: string, text = 'report'): string {
  return `${REPORT_MARKER}\n${metaComment({ sha, config: 'endpoints.yaml', run: '7', at: '2026-01-01T00:00:00Z' })}\n${text}`;
}

async function upsert(headSha: string, text = 'report', quiet = false) {
  const existing = await findReportComments(github, repo, PR_NUMBER, 'github-actions[bot]', 'endpoints.yaml');
  return upsertReportComment(github, event(headSha), existing, body(headSha, text), quiet);
}

beforeAll(async () => {
  fake = new FakeGitHub(repo.owner, repo.repo, TOKEN);
  process.env.GITHUB_API_URL = await fake.start();
  github = createGitHub(TOKEN);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.comments.clear();
  fake.parents.clear();
  fake.pulls.clear();
  fake.requests.length = 0;
  fake.addHistory(undefined, C1, C2, C3);
  fake.addHistory(C1, FORCED);
});

describe('the sticky report comment', () => {
  it('is created once, then updated in place', async () => {
    expect(await upsert(C1, 'first')).toMatchObject({ action: 'created' });
    expect(await upsert(C1, 'rerun')).toMatchObject({ action: 'updated' });
    expect(await upsert(C2, 'next commit')).toMatchObject({ action: 'updated' });
    expect(fake.commentsOn(PR_NUMBER)).toHaveLength(1);
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('next commit');
  });

  it('is not overwritten by a run for an older commit', async () => {
    await upsert(C3, 'newest');
    expect(await upsert(C2, 'older')).toMatchObject({ action: 'kept-newer', sha: C3 });
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('newest');
  });

  it('after a force-push, belongs to the pull request\'s current head', async () => {
    fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: FORCED }, merged_at: null, merge_commit_sha: null });
    await upsert(FORCED, 'rewritten');
    expect(await upsert(C3, 'the old branch')).toMatchObject({ action: 'kept-newer' });
    fake.pulls.set(PR_NUMBER, { number: PR_NUMBER, head: { sha: C3 }, merged_at: null, merge_commit_sha: null });
    expect(await upsert(C3, 'pushed back')).toMatchObject({ action: 'updated' });
  });

  it('ignores a comment with the marker written by someone else', async () => {
    fake.addComment(PR_NUMBER, body(C3, 'pasted by a person'), 'mallory');
    expect(await upsert(C1, 'ours')).toMatchObject({ action: 'created' });
    expect(fake.commentsOn(PR_NUMBER).map((c) => c.user.login)).toEqual(['mallory', 'github-actions[bot]']);
  });

  it('finds its comment among many pages of comments, and deletes duplicates of it', async () => {
    for (let i = 0; i < 150; i++) fake.addComment(PR_NUMBER, `chatter ${i}`, 'octocat');
    fake.addComment(PR_NUMBER, body(C1, 'first'));
    for (let i = 0; i < 80; i++) fake.addComment(PR_NUMBER, `more chatter ${i}`, 'octocat');
    fake.addComment(PR_NUMBER, body(C1, 'a duplicate from a race'));
    expect(await upsert(C2, 'latest')).toMatchObject({ action: 'updated' });
    const ours = fake.commentsOn(PR_NUMBER).filter((c) => c.body.includes(REPORT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('latest');
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments')).length).toBe(3);
  });

  it('is not created when there is nothing to say, but an existing one is updated to say so', async () => {
    expect(await upsert(C1, 'all clear', true)).toEqual({ action: 'none' });
    expect(fake.commentsOn(PR_NUMBER)).toHaveLength(0);
    await upsert(C1, 'two errors');
    expect(await upsert(C2, 'all clear', true)).toMatchObject({ action: 'updated' });
    expect(fake.commentsOn(PR_NUMBER)[0]!.body).toContain('all clear');
  });

  it('keeps one comment per config file', async () => {
    fake.addComment(PR_NUMBER, `${REPORT_MARKER}\n${metaComment({ sha: C3, config: 'staging/endpoints.yaml', run: '6', at: 'x' })}`);
    expect(await upsert(C1)).toMatchObject({ action: 'created' });
    expect(fake.commentsOn(PR_NUMBER)).toHaveLength(2);
  });
});

describe('the comment body', () => {
  const finding = (severity: Finding['severity'], i: number): Finding => ({
    ruleId: severity === 'error' ? 'no-world-open' : 'integration-owner', severity, message: `finding ${i} ${'x'.repeat(200)}`,
    file: 'endpoints.yaml', path: `databases[${i}]`, line: i + 1, column: 3, endLine: i + 1, endColumn: 9,
  });
  const change = (i: number) => ({ address: `postgres.role.user_${i}`, resource: 'role', action: 'create' as const, reason: `declared but missing ${'y'.repeat(100)}`, destructive: false, operation: { kind: 'create-role' } });
  const result = (errors: number, warnings: number, changes: number): CheckResult => ({
    command: 'plan', file: 'endpoints.yaml', rules: [], changes: undefined,
    findings: [...Array.from({ length: errors }, (_, i) => finding('error', i)), ...Array.from({ length: warnings }, (_, i) => finding('warning', i))],
    plan: { provider: 'postgres', changes: Array.from({ length: changes }, (_, i) => change(i)), drift: [], driftChecked: true, notices: [] },
    planSkipped: undefined, driftSkipped: undefined,
  });
  const meta = { sha: C1, config: 'endpoints.yaml', run: '7', at: '2026-01-01T00:00:00Z' };
  const url = 'https://github.com/Codertocat/Hello-World/actions/runs/7';

  it('carries everything when it fits', () => {
    const text = commentBody(REPORT_MARKER, meta, headline(result(2, 1, 3)), sections(result(2, 1, 3)), url);
    expect(text).toContain('postgres.role.user_2');
    expect(text).toContain('finding 1');
    expect(text).not.toContain('job summary](');
  });

  it('over 65,536 characters, keeps the summary and the errors and links to the job summary', () => {
    const big = result(20, 300, 2000);
    const text = commentBody(REPORT_MARKER, meta, headline(big), sections(big), url);
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toContain('20 errors · ⚠️ 300 warnings · 2000 changes');
    for (let i = 0; i < 20; i++) expect(text).toContain(`finding ${i} `);
    expect(text).toContain('2000 to create');
    expect(text).toContain(`[job summary](${url})`);
    expect(parseMeta(text)).toEqual(meta);
  });

  it('cuts even the errors table when errors alone are too many, saying how many are left out', () => {
    const huge = result(1000, 0, 0);
    const text = commentBody(REPORT_MARKER, meta, headline(huge), sections(huge), url);
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toMatch(/… and \d+ more errors/);
    expect(fitSections(sections(huge), 1000).shortened).toBe(true);
  });

  it('keeps only the failed proofs of a proof table too long for the comment, and the summary has it all', () => {
    const proofs = Array.from({ length: 2000 }, (_, i) => ({
      integration: `integration-${i}`, check: 'ungranted-denied' as const, ok: i !== 1234, detail: `${i === 1234 ? 'holds INSERT on public.orders' : 'holds no table privilege the file does not grant'} ${'.'.repeat(40)}`,
    }));
    const outcome = { status: 'failed' as const, result: { file: 'endpoints.yaml', proofs, summary: { integrations: 2000, proofs: 2000, failed: 1 } } };
    const text = commentBody(APPLY_MARKER, meta, '### dbfence apply', [verifySection(outcome)], url);
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toContain('### dbfence verify: 1 of 2000 proofs failed');
    expect(text).toContain('| ❌ | `integration-1234` | `ungranted-denied` | holds INSERT on public.orders');
    expect(text).not.toContain('✅');
    expect(text).toContain('The full proof table is in the job summary.');
    expect(fitSections([verifySection(outcome)], 10_000_000).text).toContain('`integration-1999`');
  });

  it('hides metadata values that would close the HTML comment', () => {
    const tricky = { ...meta, config: 'a --> <b>.yaml' };
    const text = metaComment(tricky);
    expect(text.indexOf('-->')).toBe(text.length - 3);
    expect(parseMeta(text)).toEqual(tricky);
  });
});
