import { PACKAGE_VERSION } from './generated/assets.js';

export function packageVersion(): string {
  return PACKAGE_VERSION;
}

export const TOOL_URL = 'https://github.com/dbfence/dbfence';
