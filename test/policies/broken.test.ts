import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fifoWithWriter } from '../helpers/fifo.js';
import { CLEAN, folderWith, removeFolders, runCli } from './helpers.js';

afterAll(removeFolders);

const RULE = `kind: rule
id: narrow-allow
severity: error
message: allow entries admit at most 256 addresses
target: allow-entry
`;

/**
 * Each case is a policies/ folder beside a clean endpoints.yaml. A broken
 * policy must stop the run: exit 2, one line naming the file and the reason,
 * no stack trace and no report.
 */
const CASES: { name: string; files: Record<string, string>; file: string; reason: RegExp; alsoAsProcess?: true }[] = [
  {
    name: 'bad YAML',
    files: { 'team.yaml': 'kind: pack\nrules: { no-world-open: error\n' },
    file: 'team.yaml',
    reason: /not valid YAML: .*line 3/,
    alsoAsProcess: true,
  },
  {
    name: 'two YAML documents in one file',
    files: { 'team.yaml': 'kind: pack\nrules: {}\n---\nkind: pack\nrules: {}\n' },
    file: 'team.yaml',
    reason: /the file holds more than one YAML document/,
  },
  {
    name: 'an empty file',
    files: { 'team.yaml': '# nothing yet\n' },
    file: 'team.yaml',
    reason: /the file is empty/,
  },
  {
    name: 'an unknown kind',
    files: { 'team.yaml': 'kind: rules\nrules: {}\n' },
    file: 'team.yaml',
    reason: /kind must be equal to one of the allowed values: pack, rule/,
  },
  {
    name: 'an unknown rule id in a pack, with the likely one',
    files: { 'team.yaml': 'kind: pack\nrules:\n  no-world-opne: error\n' },
    file: 'team.yaml',
    reason: /rules\.no-world-opne: no rule has this id \(did you mean no-world-open\?\)/,
  },
  {
    name: 'a bad severity',
    files: { 'team.yaml': 'kind: pack\nrules:\n  no-world-open: critical\n' },
    file: 'team.yaml',
    reason: /rules\.no-world-open must be equal to one of the allowed values: error, warning, off/,
    alsoAsProcess: true,
  },
  {
    name: 'a misspelt key in a rule entry',
    files: { 'team.yaml': 'kind: pack\nrules:\n  no-world-open: { severty: warning }\n' },
    file: 'team.yaml',
    reason: /rules\.no-world-open must NOT have additional properties \("severty"\)/,
  },
  {
    name: 'an empty rule entry',
    files: { 'team.yaml': 'kind: pack\nrules:\n  no-world-open: {}\n' },
    file: 'team.yaml',
    reason: /rules\.no-world-open must NOT have fewer than 1 properties/,
  },
  {
    name: 'bad options for a built-in rule',
    files: { 'team.yaml': 'kind: pack\nrules:\n  allowlist-breadth:\n    options: { ipv4MaxAddresses: many }\n' },
    file: 'team.yaml',
    reason: /rules\.allowlist-breadth\.options\.ipv4MaxAddresses must be integer/,
  },
  {
    name: 'an unknown option of a built-in rule',
    files: { 'team.yaml': 'kind: pack\nrules:\n  allowlist-breadth:\n    options: { ipv4MaxAdresses: 256 }\n' },
    file: 'team.yaml',
    reason: /rules\.allowlist-breadth\.options must NOT have additional properties \("ipv4MaxAdresses"\)/,
  },
  {
    name: 'options for a rule that has none',
    files: { 'team.yaml': 'kind: pack\nrules:\n  no-world-open: { severity: error, options: { strict: true } }\n' },
    file: 'team.yaml',
    reason: /rules\.no-world-open: this rule takes no options/,
  },
  {
    name: 'turning off a check of the file itself',
    files: { 'team.yaml': 'kind: pack\nrules:\n  schema: off\n' },
    file: 'team.yaml',
    reason: /rules\.schema: schema is a check of the file itself and cannot be turned off/,
  },
  {
    name: 'a waivers setting that is not allowed or forbidden',
    files: { 'team.yaml': 'kind: pack\nwaivers: never\nrules: {}\n' },
    file: 'team.yaml',
    reason: /waivers must be equal to one of the allowed values: allowed, forbidden/,
  },
  {
    name: 'a custom rule without an assertion',
    files: { 'narrow.yaml': RULE },
    file: 'narrow.yaml',
    reason: /the file must have required property 'assert'/,
  },
  {
    name: 'a custom rule with an unknown target',
    files: { 'narrow.yaml': `${RULE.replace('allow-entry', 'table')}assert: {}\n` },
    file: 'narrow.yaml',
    reason: /target must be equal to one of the allowed values: database, endpoint, allow-entry, integration, grant/,
  },
  {
    name: 'a custom rule with severity off (turning a rule off is a pack\'s job)',
    files: { 'narrow.yaml': `${RULE.replace('severity: error', 'severity: off')}assert: {}\n` },
    file: 'narrow.yaml',
    reason: /severity must be equal to one of the allowed values: error, warning/,
  },
  {
    name: 'a docs link that is not an http(s) URL',
    files: { 'narrow.yaml': `${RULE}docs: wiki/allowlists.md\nassert: {}\n` },
    file: 'narrow.yaml',
    reason: /docs must match pattern/,
  },
  {
    name: 'an assert that is not valid JSON Schema',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    cidr: { type: strin }\n` },
    file: 'narrow.yaml',
    reason: /assert is not a valid JSON Schema: .*type/,
    alsoAsProcess: true,
  },
  {
    name: 'a where that is not valid JSON Schema',
    files: { 'narrow.yaml': `${RULE}where: { required: description }\nassert: {}\n` },
    file: 'narrow.yaml',
    reason: /where is not a valid JSON Schema: .*required must be array/,
  },
  {
    name: 'a misspelt keyword, which would otherwise pass everything',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    cidr: { cidrMaxAdresses: 256 }\n` },
    file: 'narrow.yaml',
    reason: /assert is not a valid JSON Schema: unknown keyword "cidrMaxAdresses" \(did you mean cidrMaxAddresses\?\)/,
  },
  {
    name: 'a format, which dbfence does not check',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    description: { format: email }\n` },
    file: 'narrow.yaml',
    reason: /assert is not a valid JSON Schema: unknown format "email" at #\/properties\/description: dbfence checks no formats, use pattern instead/,
  },
  {
    name: 'a cidrInside with a non-CIDR',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    cidr: { cidrInside: [10.0.0.0/8, office] }\n` },
    file: 'narrow.yaml',
    reason: /assert is not a valid JSON Schema: "office" is not a CIDR/,
  },
  {
    name: 'a cidrOutside with host bits set',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    cidr: { cidrOutside: [10.1.2.3/8] }\n` },
    file: 'narrow.yaml',
    reason: /"10\.1\.2\.3\/8" has host bits set: write 10\.0\.0\.0\/8/,
  },
  {
    name: 'a cidrMaxAddresses that is not a number',
    files: { 'narrow.yaml': `${RULE}assert:\n  properties:\n    cidr: { cidrMaxAddresses: "256" }\n` },
    file: 'narrow.yaml',
    reason: /assert is not a valid JSON Schema: keyword "cidrMaxAddresses" value is invalid/,
  },
  {
    name: 'duplicate custom ids',
    files: { 'a.yaml': `${RULE}assert: {}\n`, 'b.yaml': `${RULE}assert: {}\n` },
    file: 'b.yaml',
    reason: /id narrow-allow is also used by .*a\.yaml/,
    alsoAsProcess: true,
  },
  {
    name: 'a custom id taken by a built-in rule',
    files: { 'narrow.yaml': `${RULE.replace('narrow-allow', 'allowlist-breadth')}assert: {}\n` },
    file: 'narrow.yaml',
    reason: /id allowlist-breadth is taken by a built-in rule/,
  },
  {
    name: 'a custom id taken by a check of dbfence itself',
    files: { 'narrow.yaml': `${RULE.replace('narrow-allow', 'waiver')}assert: {}\n` },
    file: 'narrow.yaml',
    reason: /id waiver is taken by a built-in rule/,
  },
];

/** What the user sees: exit 2, nothing on stdout, one line on stderr naming the file and the reason, no stack trace. */
function expectBrokenPolicy(result: { exitCode?: number; status?: number; stdout?: string; stderr?: string }, file: string, reason: RegExp) {
  expect(result.exitCode ?? result.status).toBe(2);
  expect(result.stdout ?? '').toBe('');
  const stderr = result.stderr ?? '';
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(new RegExp(`^dbfence: (.*[/\\\\])?policies[/\\\\]${file.replace('.', '\\.')}: broken policy: `));
  expect(stderr).toMatch(reason);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
}

function policiesBesideCleanFile(files: Record<string, string>): string {
  return folderWith({ 'endpoints.yaml': CLEAN, ...Object.fromEntries(Object.entries(files).map(([name, text]) => [`policies/${name}`, text])) });
}

describe('a broken policy file stops `dbfence lint` with exit 2, the file and the reason', () => {
  test.each(CASES)('$name', async ({ files, file, reason }) => {
    const dir = policiesBesideCleanFile(files);
    expectBrokenPolicy(await main(['lint', join(dir, 'endpoints.yaml')]), file, reason);
  });
});

describe('the same, from the CLI as a process', () => {
  test.concurrent.each(CASES.filter((entry) => entry.alsoAsProcess))('$name', async ({ files, file, reason }) => {
    expectBrokenPolicy(await runCli(['lint', 'endpoints.yaml'], policiesBesideCleanFile(files)), file, reason);
  });
});

test('--policies naming a folder that does not exist is exit 2, not a silent run without policies', async () => {
  const dir = folderWith({ 'endpoints.yaml': CLEAN });
  const { status, stdout, stderr } = await runCli(['lint', 'endpoints.yaml', '--policies', 'team-policies'], dir);
  expect({ status, stdout }).toEqual({ status: 2, stdout: '' });
  expect(stderr).toBe('dbfence: policies: the folder team-policies does not exist\n');
});

test('--policies naming a file instead of a folder is exit 2', async () => {
  const dir = folderWith({ 'endpoints.yaml': CLEAN, 'team.yaml': 'kind: pack\nrules: {}\n' });
  const { status, stderr } = await runCli(['lint', 'endpoints.yaml', '--policies', 'team.yaml'], dir);
  expect(status).toBe(2);
  expect(stderr).toBe('dbfence: policies: team.yaml is not a folder\n');
});

test('files other than .yaml, .yml and .json in the folder are not policies and are left alone', async () => {
  const dir = folderWith({ 'endpoints.yaml': CLEAN, 'policies/README.md': '# Our policies\n', 'policies/team.yml': 'kind: pack\nrules: {}\n' });
  const { status, stderr } = await runCli(['lint', 'endpoints.yaml'], dir);
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
});

test.skipIf(process.platform === 'win32')('a policy file that is a FIFO is exit 2 with one line, not a wait for a writer', async () => {
  const dir = folderWith({ 'endpoints.yaml': CLEAN, 'policies/README.md': '' });
  const endWriter = fifoWithWriter(join(dir, 'policies', 'team.yaml'));
  try {
    expect(await main(['lint', join(dir, 'endpoints.yaml')])).toEqual({
      exitCode: 2, stderr: `dbfence: ${join(dir, 'policies', 'team.yaml')}: cannot read the policy file: not a regular file\n`,
    });
  } finally {
    endWriter();
  }
});
