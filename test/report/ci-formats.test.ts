import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitlab } from '../../src/report/gitlab.js';
import { junit, xml } from '../../src/report/junit.js';
import { repositoryRoot, reportPath } from '../../src/report/paths.js';
import { CLEAN_YAML, fileWith, finding, FINDINGS_YAML, input, linted } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'dbfence-paths-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('gitlab', () => {
  it('prints GitLab Code Quality issues with a path from the base folder and a line', async () => {
    const issues = JSON.parse(gitlab({ ...input(await linted('infra/endpoints.yaml', FINDINGS_YAML)), baseDir: process.cwd() }));
    expect(issues).toHaveLength(4);
    expect(issues[1]).toEqual({
      description: '"0.0.0.0/0" opens the endpoint to the whole IPv4 internet',
      check_name: 'no-world-open',
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}:1$/),
      severity: 'major',
      location: { path: 'infra/endpoints.yaml', lines: { begin: 14 } },
    });
    expect(issues.map((issue: { severity: string }) => issue.severity)).toContain('minor');
    expect(new Set(issues.map((issue: { fingerprint: string }) => issue.fingerprint)).size).toBe(4);
  });

  it('is an empty list for a clean file', async () => {
    expect(JSON.parse(gitlab(input(await linted('endpoints.yaml', CLEAN_YAML))))).toEqual([]);
  });
});

describe('junit', () => {
  it('prints a suite per file, a failure per finding and a passing case for a clean file', async () => {
    const report = junit(input(await linted('a.yaml', FINDINGS_YAML), await linted('b.yaml', CLEAN_YAML)));
    expect(wellFormed(report)).toBe(true);
    expect(report.match(/<testsuite /g)).toHaveLength(2);
    expect(report.match(/<failure /g)).toHaveLength(4);
    expect(report).toContain('<testsuite package="dbfence" time="0" tests="4" errors="0" failures="4" name="a.yaml">');
    expect(report).toContain('<failure type="error" message="&quot;0.0.0.0/0&quot; opens the endpoint to the whole IPv4 internet">a.yaml:14:19: Error - &quot;0.0.0.0/0&quot; opens the endpoint to the whole IPv4 internet (no-world-open) https://github.com/dbfence/dbfence/blob/main/docs/rules/no-world-open.md</failure>');
    expect(report).toContain('<testcase time="0" name="dbfence lint" classname="b.yaml" />');
  });

  it('stays well-formed XML whatever a message holds', () => {
    const message = 'a <b> & "c" \'d\' \u0001\u0008 \ud800 line\nbreak ]]> \uffff';
    const report = junit(input(fileWith([finding({ message })])));
    expect(wellFormed(report)).toBe(true);
    expect(xml('<&>')).toBe('&lt;&amp;&gt;');
    expect([wellFormed('<a>&</a>'), wellFormed('<a b="<"></a>'), wellFormed('<a>\u0001</a>'), wellFormed('<a></b>')]).toEqual([false, false, false, false]);
  });
});

describe('report paths', () => {
  it('finds the repository root from a folder below it, by .git as a folder or a file', () => {
    const repo = join(scratch, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'infra', 'prod'), { recursive: true });
    expect(repositoryRoot(join(repo, 'infra', 'prod'))).toBe(repo);
    const worktree = join(scratch, 'worktree');
    mkdirSync(join(worktree, 'infra'), { recursive: true });
    writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere\n');
    expect(repositoryRoot(join(worktree, 'infra'))).toBe(worktree);
  });

  it('is relative to the base folder inside it, absolute outside it, as given without one', () => {
    expect(reportPath(join(scratch, 'infra', 'endpoints.yaml'), scratch)).toBe('infra/endpoints.yaml');
    expect(reportPath(join(scratch, '..x', 'endpoints.yaml'), scratch)).toBe('..x/endpoints.yaml');
    expect(reportPath('/elsewhere/endpoints.yaml', scratch)).toBe('/elsewhere/endpoints.yaml');
    expect(reportPath('endpoints.yaml', undefined)).toBe('endpoints.yaml');
  });
});

/**
 * Enough of XML 1.0 well-formedness for what junit writes: tags balance,
 * attribute values and text hold no bare markup, and no character XML forbids.
 */
function wellFormed(text: string): boolean {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])/.test(text)) return false;
  const body = text.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z]+)((?:\s+[a-z]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&]*)*")*)\s*(\/?)>|([^<]+)/g;
  let at = 0;
  for (const match of body.matchAll(token)) {
    if (match.index !== at) return false;
    at += match[0].length;
    const [, close, name, , selfClosing, chars] = match;
    if (chars !== undefined) {
      if (/&(?!(?:amp|lt|gt|quot|apos|#\d+);)/.test(chars)) return false;
    } else if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClosing) {
      stack.push(name!);
    }
  }
  return at === body.length && stack.length === 0;
}
