import { formatPath } from '../../model/path.js';
import { createRule } from '../rule.js';
import { findInlineSecrets } from '../secrets.js';

export default createRule({
  id: 'no-inline-secrets',
  severity: 'error',
  rationale: 'A secret in a reviewed file is in every clone, every fork and the history forever.',
  description: 'A password, token, private key or a URL with a password is written in the file instead of referenced.',
  robust: true,
  check({ config, report }) {
    for (const secret of findInlineSecrets(config)) {
      report({
        path: secret.path,
        message: `${secret.kind} is written in the file at ${formatPath(secret.path)}: reference it instead, e.g. { fromEnv: NAME }, and rotate it, since it is in the history now`,
      });
    }
  },
});
