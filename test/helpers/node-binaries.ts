import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Node majors the CLI must run on besides the one running the tests: 22
 * and 24 (the current LTS and the Action's runtime). Exact versions, so every
 * run tests the same binaries; the registry's node-<platform>-<arch> packages
 * ship them as bin/node.
 */
export const OTHER_NODES = { node22: '22.23.5', node24: '24.22.3' } as const;

/** Git-ignored; filled once per clone, then reused. */
const CACHE = fileURLToPath(new URL('../../.cache/node-binaries/', import.meta.url));

/** Where this platform has registry packages of Node binaries (POSIX layout, bin/node). */
export const NODE_BINARIES_AVAILABLE = (process.platform === 'linux' || process.platform === 'darwin') && ['x64', 'arm64'].includes(process.arch);

/** Paths of the other Node binaries by name, installed with npm into .cache/node-binaries/ when missing. */
export async function otherNodeBinaries(): Promise<Record<keyof typeof OTHER_NODES, string>> {
  const names = Object.keys(OTHER_NODES) as (keyof typeof OTHER_NODES)[];
  const path = (name: string) => join(CACHE, 'node_modules', name, 'bin', 'node');
  const binaries = Object.fromEntries(names.map((name) => [name, path(name)])) as Record<keyof typeof OTHER_NODES, string>;
  if (await allInstalled(binaries)) return binaries;
  const specs = names.map((name) => `${name}@npm:node-${process.platform}-${process.arch}@${OTHER_NODES[name]}`);
  await promisify(execFile)('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', CACHE, ...specs], { maxBuffer: 16 * 1024 * 1024 });
  if (!(await allInstalled(binaries))) throw new Error(`npm installed ${specs.join(' ')} into ${CACHE}, but the binaries do not report those versions`);
  return binaries;
}

/** Every binary is there and is the version asked for (an interrupted install leaves a partial one). */
async function allInstalled(binaries: Record<keyof typeof OTHER_NODES, string>): Promise<boolean> {
  for (const [name, binary] of Object.entries(binaries) as [keyof typeof OTHER_NODES, string][]) {
    if (!existsSync(binary)) return false;
    const { stdout } = await promisify(execFile)(binary, ['--version']).catch(() => ({ stdout: '' }));
    if (stdout.trim() !== `v${OTHER_NODES[name]}`) return false;
  }
  return true;
}
