import type { VerifyResult } from '../verify/types.js';
import { code, escapeCell } from './markdown.js';
import { printable } from './stylish.js';

const codes = { red: 31, green: 32, gray: 90, bold: 1, underline: 4 } as const;

/** The proof table in a terminal: one block per integration, a line per check. */
export function verifyStylish(result: VerifyResult, { color }: { color: boolean }): string {
  const paint = (style: keyof typeof codes, text: string) => (color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
  const out: string[] = [paint('underline', printable(result.file))];
  const width = Math.max(0, ...result.proofs.map((proof) => proof.check.length));
  let integration: string | undefined;
  for (const proof of result.proofs) {
    if (proof.integration !== integration) {
      integration = proof.integration;
      out.push(`  ${paint('bold', printable(integration))}`);
    }
    const mark = proof.ok ? paint('green', '✔') : paint('red', '✖');
    out.push(`    ${mark} ${proof.check.padEnd(width)}  ${paint(proof.ok ? 'gray' : 'red', printable(proof.detail))}`);
  }
  out.push('', summaryLine(result, paint));
  return `${out.join('\n')}\n`;
}

function summaryLine(result: VerifyResult, paint: (style: keyof typeof codes, text: string) => string): string {
  const { proofs, failed, integrations } = result.summary;
  const of = `${proofs} proof${proofs === 1 ? '' : 's'} for ${integrations} integration${integrations === 1 ? '' : 's'}`;
  return failed === 0 ? paint('green', `✔ all ${of} hold`) : paint('red', paint('bold', `✖ ${failed} of ${of} failed`));
}

export function verifyJson(result: VerifyResult): string {
  return `${JSON.stringify({ proofs: result.proofs, summary: result.summary }, null, 2)}\n`;
}

/** A table for job summaries and pull-request comments. */
export function verifyMarkdown(result: VerifyResult): string {
  const { failed, proofs } = result.summary;
  const lines = [`### dbfence verify: ${failed === 0 ? `all ${proofs} proofs hold` : `${failed} of ${proofs} proofs failed`}`, ''];
  lines.push('| | Integration | Check | Detail |', '|---|---|---|---|');
  for (const proof of result.proofs) {
    lines.push(`| ${proof.ok ? '✅' : '❌'} | ${code(proof.integration)} | ${code(proof.check)} | ${escapeCell(proof.detail)} |`);
  }
  return `${lines.join('\n')}\n`;
}
