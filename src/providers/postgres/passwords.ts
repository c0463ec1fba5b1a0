import { createHash } from 'node:crypto';
import { ToolError } from '../../errors.js';
import { formatPath } from '../../model/path.js';
import type { SecretResolver } from '../types.js';
import type { DesiredRole } from './desired.js';
import { verifierMatches } from './scram.js';

/**
 * Reads integration passwords and checks them against stored verifiers. A
 * check costs one PBKDF2 (about a millisecond), and plan, drift and apply ask
 * the same questions, so answers are kept for the life of the provider, keyed
 * by the verifier and a hash of the password, never the password itself.
 */
export class Passwords {
  private readonly answers = new Map<string, boolean>();

  constructor(private readonly secrets: SecretResolver) {}

  /** The role's password, or undefined when the file leaves it unmanaged. */
  read(role: DesiredRole): string | undefined {
    if (!role.password) return undefined;
    const { ref, path } = role.password;
    if (typeof ref === 'string') {
      throw new ToolError(`${formatPath(path)}: a password must be a reference ({ fromEnv } or { fromFile }), never written in the file`);
    }
    return this.secrets.resolve(ref, formatPath(path));
  }

  matches(verifier: string | null, password: string): boolean {
    if (verifier === null) return false;
    const key = `${verifier}\0${createHash('sha256').update(password).digest('base64')}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = verifierMatches(verifier, password);
      this.answers.set(key, answer);
    }
    return answer;
  }
}
