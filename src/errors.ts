/**
 * An error the user can act on that stops the tool before it could do its job
 * (unreadable file, broken policy, bad arguments, unreachable database): one
 * clear message, exit status 2, never a stack trace.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  readonly exitCode = 2;
}
