import { ToolError } from '../../errors.js';
import type { SkysqlApi } from './api.js';
import { toLiveService, type LiveService } from './live.js';
import { formatDuration, type SkysqlOptions } from './options.js';

export interface WaitDeps {
  api: SkysqlApi;
  options: SkysqlOptions;
  now(): Date;
  log(message: string): void;
}

/**
 * Polls the service until it has settled after a change: `ready` (or
 * `stopped`, for a service that was stopped before, as the official Terraform
 * provider reads it) and showing what `shows` expects, so an answer read
 * before the API started the change does not count. `failed` is final.
 */
export async function waitUntilSettled(
  deps: WaitDeps,
  service: { id: string; name: string },
  shows: { what: string; test(service: LiveService): boolean },
): Promise<void> {
  const { api, options } = deps;
  const label = `SkySQL service ${service.name} (${service.id})`;
  const started = deps.now().getTime();
  let lastState = '';
  for (;;) {
    const raw = await api.getService(service.id);
    if (raw.status === 'failed') {
      const errors = (raw.errors ?? []).filter((error) => typeof error === 'string' && error !== '');
      throw new ToolError(`${label} failed after the change${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    }
    const current = toLiveService(raw);
    const settled = current.status === 'ready' || current.status === 'stopped';
    if (settled && shows.test(current)) return;
    const state = settled ? `${current.status} but not yet showing ${shows.what}` : current.status;
    const waited = deps.now().getTime() - started;
    if (waited + options.pollIntervalMs > options.readyTimeoutMs) {
      throw new ToolError(`${label} is still ${state} after ${formatDuration(waited)}: the change was sent but did not settle within ${formatDuration(options.readyTimeoutMs)}; check the service in the SkySQL portal`);
    }
    if (state !== lastState) deps.log(`skysql: waiting for ${service.name} to be ready (${state})`);
    lastState = state;
    await options.sleep(options.pollIntervalMs);
  }
}
