import { ToolError } from '../../errors.js';
import { link, numberField, type HalResource } from './hal.js';
import { AptibleApiError, type AptibleClient } from './http.js';
import { type AptibleTimings, formatDuration, type Sleep } from './timings.js';

export interface OperationRunner {
  /**
   * Starts an operation on a resource (`POST <operations link>`) and waits
   * until it succeeds; a failure or a wait past the bound is a ToolError.
   */
  run(operationsHref: string, type: string, what: string): Promise<void>;
}

export interface OperationRunnerOptions {
  client: AptibleClient;
  timings: Pick<AptibleTimings, 'pollIntervalMs' | 'operationTimeoutMs'>;
  sleep: Sleep;
  now: () => Date;
  log: (message: string) => void;
}

function statusOf(operation: HalResource): string {
  return typeof operation.status === 'string' ? operation.status : 'unknown';
}

export function operationRunner(options: OperationRunnerOptions): OperationRunner {
  const { client, timings, sleep, now, log } = options;
  return {
    async run(operationsHref, type, what) {
      let operation = await client.post(operationsHref, { type });
      const id = numberField(operation, 'id', `the ${type} operation`);
      const self = link(operation, 'self', `operation ${id}`);
      const deadline = now().getTime() + timings.operationTimeoutMs;
      const logsHint = `see \`aptible operation:logs ${id}\``;
      let status = statusOf(operation);
      log(`${what}: operation ${id} ${status}`);
      for (;;) {
        if (status === 'succeeded') return;
        if (status === 'failed') throw new ToolError(`${what} failed: Aptible operation ${id} (${type}) failed; ${logsHint}`);
        if (now().getTime() >= deadline) {
          throw new ToolError(
            `${what} did not finish within ${formatDuration(timings.operationTimeoutMs)}: Aptible operation ${id} (${type}) is still ${status} and may yet finish; ${logsHint}, then plan again`,
          );
        }
        await sleep(timings.pollIntervalMs);
        try {
          operation = await client.get(self);
        } catch (error) {
          // Aptible removes some operations once they are done (the CLI and go-deploy read a 404 as finished).
          if (error instanceof AptibleApiError && error.status === 404) return;
          throw error;
        }
        const next = statusOf(operation);
        if (next !== status) log(`${what}: operation ${id} ${next}`);
        status = next;
      }
    },
  };
}
