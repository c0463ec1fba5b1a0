import type { Finding } from '../lint/finding.js';
import type { Reporter } from './input.js';
import { reportPath } from './paths.js';

/**
 * JUnit XML, as ESLint's junit formatter writes it, for CI systems that show
 * test reports (GitLab, Jenkins, Azure Pipelines, CircleCI): a suite per
 * file, a failed test case per finding (its type the severity), and one
 * passing case for a file without findings.
 */
export const junit: Reporter = ({ files, rules, baseDir }) => {
  const docs = new Map(rules.map((rule) => [rule.id, rule.docsUrl]));
  const out = ['<?xml version="1.0" encoding="utf-8"?>', '<testsuites>'];
  for (const file of files) {
    const path = reportPath(file.source.name, baseDir);
    const count = Math.max(1, file.findings.length);
    out.push(`  <testsuite package="dbfence" time="0" tests="${count}" errors="0" failures="${file.findings.length}" name="${xml(path)}">`);
    if (file.findings.length === 0) out.push(`    <testcase time="0" name="dbfence lint" classname="${xml(path)}" />`);
    for (const finding of file.findings) {
      out.push(
        `    <testcase time="0" name="${xml(`${finding.ruleId} ${finding.path}`.trim())}" classname="${xml(path)}">`,
        `      <failure type="${finding.severity}" message="${xml(finding.message)}">${xml(detail(finding, path, docs.get(finding.ruleId)))}</failure>`,
        '    </testcase>',
      );
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
};

function detail(finding: Finding, path: string, docsUrl: string | undefined): string {
  const severity = finding.severity === 'error' ? 'Error' : 'Warning';
  return `${path}:${finding.line}:${finding.column}: ${severity} - ${finding.message} (${finding.ruleId})${docsUrl ? ` ${docsUrl}` : ''}`;
}

/**
 * Text as an XML attribute or element: the five markup characters escaped,
 * and characters XML 1.0 cannot hold at all (most control characters, lone
 * surrogates, U+FFFE and U+FFFF) replaced by U+FFFD.
 */
export function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(/[\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}
