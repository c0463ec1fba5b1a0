import { isAbsolute, join } from 'node:path';
import { ToolError } from '../errors.js';
import type { SecretRef } from '../model/config.js';
import { formatLimit, readRegularFile } from '../model/read.js';
import type { SecretResolver } from './types.js';

/** A secret file holds a password, a URL or a PEM certificate or key: far below this. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

export interface EnvSecretResolverOptions {
  env?: NodeJS.ProcessEnv;
  /** `fromFile` paths are relative to the folder of endpoints.yaml. */
  baseDir?: string;
  /** Called with every secret value the moment it is read, so front ends can mask it (core.setSecret). */
  onSecret?: (value: string) => void;
}

/**
 * Resolves `{ fromEnv }` and `{ fromFile }` references. A missing or empty
 * secret is a ToolError that names the reference, never a value.
 */
export function envSecretResolver(options: EnvSecretResolverOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  return {
    resolve(ref: SecretRef, what: string): string {
      let value: string | undefined;
      if ('fromEnv' in ref) {
        value = env[ref.fromEnv];
        if (value === undefined || value === '') throw new ToolError(`${what}: the environment variable ${ref.fromEnv} is not set`);
      } else {
        const path = isAbsolute(ref.fromFile) ? ref.fromFile : join(options.baseDir ?? process.cwd(), ref.fromFile);
        const read = readRegularFile(path, MAX_SECRET_FILE_BYTES, (reason) => `${what}: cannot read ${ref.fromFile}: ${reason}`);
        if (!('bytes' in read)) {
          throw new ToolError(`${what}: ${ref.fromFile} is over the ${formatLimit(MAX_SECRET_FILE_BYTES)} a secret file may hold; is this the right file?`);
        }
        value = read.bytes.toString('utf8');
        if (value.trim() === '') throw new ToolError(`${what}: ${ref.fromFile} is empty`);
        // A trailing newline from an editor or `echo` is not part of a password.
        value = value.replace(/\r?\n$/, '');
      }
      options.onSecret?.(value);
      return value;
    },
  };
}
