import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package's root folder: where `policies/`, `schemas/` and `package.json` are. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

let version: string | undefined;

export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
  return version;
}

export const TOOL_URL = 'https://github.com/dbfence/dbfence';
