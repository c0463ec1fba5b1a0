import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { RuleDescriptor } from '../../src/report/input.js';
import { sarif } from '../../src/report/sarif.js';
import { CLEAN_YAML, FINDINGS_YAML, HEADER, fileWith, finding, input, linted, TOOL } from './helpers.js';

// The OASIS schema as shipped in @microsoft/sarif-multitool (draft 2020-12).
const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-2.1.0.json', import.meta.url), 'utf8')) as object;
// ajv checks no formats without ajv-formats; URIs are checked by hand below.
const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

interface Region { startLine: number; startColumn: number; endLine: number; endColumn: number }
interface Result {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Region } }[];
  partialFingerprints: Record<string, string>;
}
interface Rule {
  id: string;
  helpUri?: string;
  help: { text: string; markdown: string };
  shortDescription: { text: string };
  defaultConfiguration: { level: string };
  properties: { 'security-severity': string };
}
interface Log { $schema: string; version: string; runs: { tool: { driver: { name: string; rules: Rule[] } }; results: Result[] }[] }

function parse(text: string): Log {
  const log = JSON.parse(text) as Log;
  const valid = validate(log);
  expect(valid ? [] : validate.errors).toEqual([]);
  return log;
}

/** What GitHub code scanning requires beyond the schema (docs and the uploads other linters broke). */
function expectGitHubAccepts(log: Log): void {
  expect(log.$schema).toMatch(/^https:\/\//);
  expect(log.runs).toHaveLength(1);
  const [run] = log.runs;
  const ids = run!.tool.driver.rules.map((rule) => rule.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const rule of run!.tool.driver.rules) {
    expect(rule.shortDescription.text).not.toBe('');
    expect(rule.help.text).not.toBe('');
    if ('helpUri' in rule) expect(new URL(rule.helpUri!).protocol).toBe('https:');
  }
  expect(Array.isArray(run!.results)).toBe(true);
  for (const result of run!.results) {
    expect(ids[result.ruleIndex]).toBe(result.ruleId);
    expect(result.message.text).not.toBe('');
    expect(result.locations).toHaveLength(1);
    const { region, artifactLocation } = result.locations[0]!.physicalLocation;
    expect(region.startLine).toBeGreaterThanOrEqual(1);
    expect(region.startColumn).toBeGreaterThanOrEqual(1);
    expect(region.endLine).toBeGreaterThanOrEqual(region.startLine);
    if (region.endLine === region.startLine) expect(region.endColumn).toBeGreaterThan(region.startColumn);
    expect(artifactLocation.uri).not.toBe('');
    expect(Object.values(result.partialFingerprints).every((value) => value !== '')).toBe(true);
  }
}

describe('sarif', () => {
  it('is valid SARIF 2.1.0 that GitHub accepts, for a file with findings', async () => {
    const log = parse(sarif(input(await linted('endpoints.yaml', FINDINGS_YAML))));
    expectGitHubAccepts(log);
    const results = log.runs[0]!.results;
    expect(results.map((result) => [result.ruleId, result.level])).toEqual([
      ['allowlist-breadth', 'error'], ['no-world-open', 'error'], ['non-routable-source', 'warning'], ['integration-owner', 'warning'],
    ]);
    expect(results[1]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'endpoints.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 14, startColumn: 19, endLine: 14, endColumn: 28 },
    });
  });

  it('keeps `results` and the rule table when there is nothing to report', async () => {
    const log = parse(sarif(input(await linted('endpoints.yaml', CLEAN_YAML))));
    expectGitHubAccepts(log);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.tool.driver.rules.length).toBeGreaterThan(15);
  });

  it('describes every built-in rule with a help link, its default level and a security severity', () => {
    const rules = parse(sarif(input())).runs[0]!.tool.driver.rules;
    const noWorldOpen = rules.find((rule) => rule.id === 'no-world-open')!;
    expect(noWorldOpen.helpUri).toMatch(/^https:\/\/.*no-world-open/);
    expect(noWorldOpen.help.markdown).toContain(`(${noWorldOpen.helpUri})`);
    expect(noWorldOpen.defaultConfiguration.level).toBe('error');
    expect(noWorldOpen.properties['security-severity']).toBe('8.0');
    expect(rules.find((rule) => rule.id === 'integration-owner')!.defaultConfiguration.level).toBe('warning');
    expect(rules.every((rule) => rule.helpUri !== undefined)).toBe(true);
  });

  it('lists a rule once when it is both described and reported, and describes a rule only reported', () => {
    const duplicate = input().rules.find((rule) => rule.id === 'no-world-open')!;
    const log = parse(sarif({
      files: [fileWith([finding(), finding({ ruleId: 'team-rule', severity: 'warning' })])],
      rules: [...input().rules, duplicate],
      tool: TOOL,
    }));
    expectGitHubAccepts(log);
    expect(log.runs[0]!.tool.driver.rules.filter((rule) => rule.id === 'no-world-open')).toHaveLength(1);
    expect(log.runs[0]!.tool.driver.rules.find((rule) => rule.id === 'team-rule')!.defaultConfiguration.level).toBe('warning');
  });

  it('gives a custom rule a helpUri only when its docs are an absolute web address', () => {
    const custom = (id: string, docsUrl: string | undefined): RuleDescriptor => ({ id, severity: 'error', description: 'd', rationale: 'r', docsUrl });
    const log = parse(sarif({
      files: [],
      rules: [custom('with-url', 'https://wiki.example.com/db'), custom('with-text', 'ask the DBA team'), custom('with-empty', ''), custom('without', undefined)],
      tool: TOOL,
    }));
    expectGitHubAccepts(log);
    const byId = new Map(log.runs[0]!.tool.driver.rules.map((rule) => [rule.id, rule]));
    expect(byId.get('with-url')!.helpUri).toBe('https://wiki.example.com/db');
    expect(byId.get('with-text')).not.toHaveProperty('helpUri');
    expect(byId.get('with-text')!.help.text).toContain('ask the DBA team');
    expect(byId.get('with-empty')).not.toHaveProperty('helpUri');
    expect(byId.get('without')).not.toHaveProperty('helpUri');
  });

  it('writes a path inside the repository relative to %SRCROOT%, encoded, and one outside it as a file URI', () => {
    const log = parse(sarif(input(
      fileWith([finding({ file: 'config/prod #1/endpoints.yaml' })]),
      fileWith([finding({ file: '/srv/other/endpoints.yaml' })]),
    )));
    expectGitHubAccepts(log);
    const [inside, outside] = log.runs[0]!.results.map((result) => result.locations[0]!.physicalLocation.artifactLocation);
    expect(inside).toEqual({ uri: 'config/prod%20%231/endpoints.yaml', uriBaseId: '%SRCROOT%' });
    expect(outside!.uri).toBe('file:///srv/other/endpoints.yaml');
    expect(outside).not.toHaveProperty('uriBaseId');
  });

  it('never writes a region GitHub refuses: empty, or before line 1', () => {
    const log = parse(sarif(input(fileWith([
      finding({ ruleId: 'syntax', line: 1, column: 1, endLine: 1, endColumn: 1, path: '' }),
      finding({ line: 0, column: 0, endLine: 0, endColumn: 0 }),
    ]))));
    expectGitHubAccepts(log);
    expect(log.runs[0]!.results.map((result) => result.locations[0]!.physicalLocation.region)).toEqual([
      { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 },
      { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 },
    ]);
  });

  it('keeps each fingerprint when lines above the finding move, and tells findings apart', async () => {
    const fingerprints = async (text: string) =>
      parse(sarif(input(await linted('endpoints.yaml', text)))).runs[0]!.results.map((result) => [result.ruleId, result.partialFingerprints]);
    const before = await fingerprints(FINDINGS_YAML);
    const moved = await fingerprints(FINDINGS_YAML.replace(HEADER, `# Production.\n# Owned by the platform team.\n\n${HEADER}`));
    expect(moved).toEqual(before);
    const values = before.map(([, fingerprint]) => JSON.stringify(fingerprint));
    expect(new Set(values).size).toBe(values.length);
  });

  it('gives findings that share rule, path and message distinct fingerprints', () => {
    const results = parse(sarif(input(fileWith([finding(), finding()])))).runs[0]!.results;
    expect(results[0]!.partialFingerprints).not.toEqual(results[1]!.partialFingerprints);
  });

  it('names the tool and its version', () => {
    const driver = parse(sarif(input())).runs[0]!.tool.driver as unknown as Record<string, unknown>;
    expect(driver).toMatchObject({ name: 'dbfence', version: '9.9.9', semanticVersion: '9.9.9', informationUri: TOOL.informationUri });
  });
});
