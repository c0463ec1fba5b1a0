import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvent } from '../../src/action/event.js';
import { BASE_SHA, example, HEAD_SHA, payload, REPO } from './runner.js';

function env(name: string, data: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const file = join(mkdtempSync(join(tmpdir(), 'dbfence-event-')), 'event.json');
  writeFileSync(file, JSON.stringify(data));
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '9', GITHUB_SERVER_URL: 'https://github.example.com', ...extra };
}

describe('reading the event', () => {
  it('takes the pull request\'s number, head and base commits, and trusts a branch of the repository', () => {
    const event = readEvent(env('pull_request', payload('pull_request.synchronize')));
    expect(event.pullRequest).toEqual({ number: 2, headSha: HEAD_SHA, baseSha: BASE_SHA });
    expect(event.untrusted).toBeUndefined();
    expect(event.readOnlyToken).toBe(false);
    expect(event.runUrl).toBe('https://github.example.com/Codertocat/Hello-World/actions/runs/9');
  });

  it('does not trust a pull request from a fork: its token is read-only and credentials must not be used', () => {
    const fork = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.repo.full_name = 'mallory/Hello-World';
      p.pull_request.head.repo.fork = true;
    });
    const event = readEvent(env('pull_request', fork));
    expect(event.untrusted).toMatch(/fork mallory\/Hello-World/);
    expect(event.readOnlyToken).toBe(true);
  });

  it('trusts a branch of a repository that is itself a fork', () => {
    const forkedRepo = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.repo.fork = true;
      p.repository.fork = true;
    });
    expect(readEvent(env('pull_request', forkedRepo)).untrusted).toBeUndefined();
  });

  it('does not trust a pull request whose head repository was deleted', () => {
    const deleted = payload('pull_request.synchronize', (p) => {
      p.pull_request.head.repo = null;
    });
    expect(readEvent(env('pull_request', deleted)).untrusted).toMatch(/deleted/);
  });

  it('never trusts pull_request_target with credentials, though its token may write', () => {
    const event = readEvent(env('pull_request_target', payload('pull_request.synchronize')));
    expect(event.untrusted).toMatch(/pull_request_target/);
    expect(event.readOnlyToken).toBe(false);
  });

  it('treats Dependabot\'s pull requests as GitHub does: read-only token, no secrets', () => {
    const event = readEvent(env('pull_request', payload('pull_request.synchronize'), { GITHUB_ACTOR: 'dependabot[bot]' }));
    expect(event.untrusted).toMatch(/Dependabot/);
    expect(event.readOnlyToken).toBe(true);
  });

  it('reads a push: no pull request, the default branch from the payload', () => {
    const event = readEvent(env('push', payload('push'), { GITHUB_REF: 'refs/heads/master', GITHUB_SHA: 'abc' }));
    expect(event).toMatchObject({ name: 'push', pullRequest: undefined, defaultBranch: 'master', ref: 'refs/heads/master', untrusted: undefined });
  });
});

// Every event the Action may see, from GitHub's own example payloads.
describe('every event, decided', () => {
  it('pull_request from this repository: credentials may be read; the base supplies policies and provider settings', () => {
    const event = readEvent(env('pull_request', example('pull_request', (p) => p.action === 'opened')));
    expect(event).toMatchObject({ pullRequest: { number: 2, headSha: HEAD_SHA, baseSha: BASE_SHA }, trustedRef: BASE_SHA, untrusted: undefined, readOnlyToken: false });
  });

  it('pull_request_target: the base supplies the trusted parts, and credentials are never read', () => {
    const event = readEvent(env('pull_request_target', example('pull_request', (p) => p.action === 'synchronize')));
    expect(event).toMatchObject({ trustedRef: BASE_SHA, readOnlyToken: false });
    expect(event.untrusted).toMatch(/^pull_request_target runs with the repository's secrets on behalf of a pull request/);
  });

  it('issue_comment on a pull request: looked up by number; credentials are never read', () => {
    const data = example('issue_comment', (p) => p.action === 'created', (p) => {
      p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    });
    const event = readEvent(env('issue_comment', data));
    expect(event).toMatchObject({ pullRequest: undefined, pullRequestToLookUp: 1, trustedRef: undefined });
    expect(event.untrusted).toMatch(/^issue_comment runs with the repository's secrets/);
  });

  it('issue_comment on an issue: nothing about a pull request', () => {
    const event = readEvent(env('issue_comment', example('issue_comment', (p) => p.action === 'created')));
    expect(event).toMatchObject({ pullRequest: undefined, pullRequestToLookUp: undefined, trustedRef: undefined, untrusted: undefined });
  });

  it('workflow_run of a pull request: its base when GitHub names the pull request, else the default branch; credentials are never read', () => {
    const named = example('workflow_run', (p) => p.workflow_run.pull_requests.length > 0, (p) => {
      p.workflow_run.event = 'pull_request';
    });
    const event = readEvent(env('workflow_run', named));
    expect(event).toMatchObject({ pullRequest: { number: 2, headSha: HEAD_SHA, baseSha: BASE_SHA }, trustedRef: BASE_SHA });
    expect(event.untrusted).toMatch(/^workflow_run of a pull_request run runs with the repository's secrets/);
    // A fork's pull request is not listed in the payload.
    const fork = example('workflow_run', (p) => p.workflow_run.pull_requests.length === 0, (p) => {
      p.workflow_run.event = 'pull_request_target';
    });
    expect(readEvent(env('workflow_run', fork))).toMatchObject({ pullRequest: undefined, trustedRef: 'main', untrusted: expect.stringMatching(/secrets/) });
  });

  it('workflow_run of anything else: as trusted as the workspace', () => {
    const event = readEvent(env('workflow_run', example('workflow_run', (p) => p.workflow_run.event === 'workflow_dispatch')));
    expect(event).toMatchObject({ pullRequest: undefined, trustedRef: undefined, untrusted: undefined });
  });

  it('merge_group: the queue\'s base supplies the trusted parts; credentials may be read', () => {
    const data = example('merge_group');
    const event = readEvent(env('merge_group', data));
    expect(event).toMatchObject({ pullRequest: undefined, trustedRef: data.merge_group.base_sha, untrusted: undefined });
  });

  it('push and workflow_dispatch: the workspace is trusted', () => {
    const push = readEvent(env('push', example('push', (p) => p.ref === 'refs/heads/master'), { GITHUB_REF: 'refs/heads/master' }));
    expect(push).toMatchObject({ pullRequest: undefined, trustedRef: undefined, untrusted: undefined, defaultBranch: 'master' });
    const dispatch = readEvent(env('workflow_dispatch', example('workflow_dispatch')));
    expect(dispatch).toMatchObject({ pullRequest: undefined, trustedRef: undefined, untrusted: undefined });
  });

  it('schedule (GitHub sends only the cron line): the workspace is trusted', () => {
    expect(readEvent(env('schedule', { schedule: '0 6 * * *' }))).toMatchObject({ pullRequest: undefined, trustedRef: undefined, untrusted: undefined });
  });
});
