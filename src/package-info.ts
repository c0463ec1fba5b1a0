import { fileURLToPath } from 'node:url';
import { PACKAGE_VERSION } from './generated/assets.js';

/**
 * The package's root folder, for tests and scripts that read files of the
 * repository. The CLI and the Action must not depend on it: they run bundled,
 * and whatever they need is compiled into src/generated/.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

export function packageVersion(): string {
  return PACKAGE_VERSION;
}

export const TOOL_URL = 'https://github.com/dbfence/dbfence';
