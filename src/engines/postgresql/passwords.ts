import { createHash } from 'node:crypto';
import { ToolError } from '../../errors.js';
import { formatPath } from '../../model/path.js';
import type { PasswordRef, SecretResolver } from '../../providers/types.js';
import type { DesiredRole } from './desired.js';
import { verifierMatches, verifierMatchesSync } from './scram.js';

export type { PasswordRef } from '../../providers/types.js';

/**
 * PBKDF2s in flight at once. They run on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), which DNS lookups share: one thread is
 * left for those, so a connection opened while a thousand checks run is not
 * queued behind them, spending its connect_timeout.
 */
const PARALLEL_CHECKS = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1);

/**
 * Reads integration passwords and checks them against stored verifiers. A
 * check costs one PBKDF2 (about a millisecond): `check` runs them on the
 * thread pool while the live state is read, so the pure diff only looks
 * answers up. Answers are kept for the life of the provider, keyed by
 * the verifier and a hash of the password, never the password itself.
 */
export class Passwords {
  private readonly answers = new Map<string, boolean>();

  constructor(private readonly secrets: SecretResolver) {}

  /** The role's password, or undefined when the file leaves it unmanaged. */
  read(role: DesiredRole): string | undefined {
    const reference = this.reference(role);
    return reference && this.resolve(reference);
  }

  /** Where the role's password comes from, or undefined when the file leaves it unmanaged. */
  reference(role: DesiredRole): PasswordRef | undefined {
    if (!role.password) return undefined;
    const { ref, path } = role.password;
    if (typeof ref === 'string') {
      throw new ToolError(`${formatPath(path)}: a password must be a reference ({ fromEnv } or { fromFile }), never written in the file`);
    }
    return { ref, path };
  }

  /** The password a reference names. */
  resolve({ ref, path }: PasswordRef): string {
    const password = this.secrets.resolve(ref, formatPath(path));
    // libpq ends a password at its first NUL, and sends the raw bytes of one that is not UTF-8, which a decoded string no longer holds.
    if (password.includes('\0')) {
      throw new ToolError(`${formatPath(path)}: the password contains a NUL character, which no PostgreSQL client can send`);
    }
    if (password.includes('\uFFFD')) {
      throw new ToolError(`${formatPath(path)}: the password contains U+FFFD, the stand-in for bytes that are not UTF-8; give the password as UTF-8 text`);
    }
    return password;
  }

  /** Checks every declared password against the live verifier of its role, PARALLEL_CHECKS at a time. */
  async check(roles: readonly DesiredRole[], verifiers: ReadonlyMap<string, { verifier: string | null }>): Promise<void> {
    const unanswered = new Map<string, { verifier: string; password: string }>();
    for (const role of roles) {
      const verifier = verifiers.get(role.user)?.verifier ?? null;
      const password = this.read(role);
      if (verifier === null || password === undefined) continue;
      const key = answerKey(verifier, password);
      if (!this.answers.has(key)) unanswered.set(key, { verifier, password });
    }
    // The workers share one iterator, so each check runs once.
    const jobs = unanswered.entries();
    const work = async (): Promise<void> => {
      for (const [key, { verifier, password }] of jobs) this.answers.set(key, await verifierMatches(verifier, password));
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CHECKS, unanswered.size) }, work));
  }

  /** Whether `password` made `verifier`: the answer `check` found, or (for a live state it did not see) computed now. */
  matches(verifier: string | null, password: string): boolean {
    if (verifier === null) return false;
    const key = answerKey(verifier, password);
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = verifierMatchesSync(verifier, password);
      this.answers.set(key, answer);
    }
    return answer;
  }
}

function answerKey(verifier: string, password: string): string {
  return `${verifier}\0${createHash('sha256').update(password).digest('base64')}`;
}
