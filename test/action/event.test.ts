import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvent } from '../../src/action/event.js';
import { BASE_SHA, HEAD_SHA, payload, REPO } from './runner.js';

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
