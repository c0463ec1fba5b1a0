import { parseArgs } from 'node:util';
import { ToolError } from '../../errors.js';
import { verifyJson, verifyMarkdown, verifyStylish } from '../../report/verify-proofs.js';
import { runVerify } from '../../verify/run.js';
import { useColor } from '../color.js';
import type { CommandResult } from '../main.js';

export const VERIFY_HELP = `Usage: dbfence verify [FILE] [options]

Proves that the live database behaves as FILE (default endpoints.yaml) says,
connecting as each integration does, with its own credentials, through its
endpoint's hostname and port with full certificate verification: TLS is
required, the password works, the server admits it only from \`from\`, every
granted table is readable, nothing else is granted, a read-only integration
cannot write (in a transaction always rolled back), sensitive tables are
denied, and the certificate names every endpoint hostname and does not expire
within renewBefore. When the admin URL's reference resolves, the server's own
rules (pg_hba.conf) are read as well.

Options:
  --resolve HOST:PORT:ADDRESS           connect to ADDRESS for HOST:PORT (as curl);
                                        TLS still verifies HOST
  --connect-to HOST:PORT:ADDRESS:PORT2  connect to ADDRESS:PORT2 for HOST:PORT (as curl)
  --client-only                         never read the admin URL
  -f, --format FORMAT                   stylish (default), json or markdown

Exit status: 0 every proof holds, 1 a proof failed, 2 verify could not run.`;

const FORMATS = ['stylish', 'json', 'markdown'] as const;

export async function verifyCommand(argv: string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      resolve: { type: 'string', multiple: true, default: [] },
      'connect-to': { type: 'string', multiple: true, default: [] },
      'client-only': { type: 'boolean', default: false },
      format: { type: 'string', short: 'f', default: 'stylish' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { exitCode: 0, stdout: `${VERIFY_HELP}\n` };
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new ToolError(`--format must be stylish, json or markdown, not "${values.format}"`);
  if (positionals.length > 1) throw new ToolError(`verify takes one file, not ${positionals.length}`);
  const result = await runVerify({
    file: positionals[0] ?? 'endpoints.yaml', resolve: values.resolve, connectTo: values['connect-to'], clientOnly: values['client-only'],
  });
  const stdout = format === 'json' ? verifyJson(result) : format === 'markdown' ? verifyMarkdown(result) : verifyStylish(result, { color: useColor(process.stdout) });
  return { exitCode: result.summary.failed === 0 ? 0 : 1, stdout };
}
