import { describe, expect, it } from 'vitest';
import { github } from '../../src/report/github.js';
import { FINDINGS_YAML, fileWith, finding, input, linted } from './helpers.js';

describe('github', () => {
  it('prints one workflow command per finding, with file, line and column', async () => {
    const lines = github(input(await linted('config/endpoints.yaml', FINDINGS_YAML))).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('::error file=config/endpoints.yaml,line=14,col=19,endLine=14,endColumn=28,title=dbfence no-world-open::"0.0.0.0/0" opens the endpoint to the whole IPv4 internet');
    expect(lines[2]).toMatch(/^::warning file=config\/endpoints\.yaml,line=14,col=19,.*title=dbfence non-routable-source::/);
    expect(lines[4]).toBe('');
  });

  it('marks a finding on a whole block on its first line, without columns past it', async () => {
    const owner = github(input(await linted('endpoints.yaml', FINDINGS_YAML))).split('\n')[3];
    expect(owner).toBe('::warning file=endpoints.yaml,line=16,col=9,title=dbfence integration-owner::integration metabase has no owner to answer for it');
  });

  it('escapes % and line breaks in the message, and also : and , in properties', () => {
    const out = github(input(fileWith([finding({ file: 'envs/a:b,c%.yaml', message: '100% open\r\nsee: docs, now' })])));
    expect(out).toBe('::error file=envs/a%3Ab%2Cc%25.yaml,line=3,col=11,endLine=3,endColumn=20,title=dbfence no-world-open::100%25 open%0D%0Asee: docs, now\n');
  });

  it('prints nothing when there is nothing to report', () => {
    expect(github(input(fileWith([])))).toBe('');
  });
});
