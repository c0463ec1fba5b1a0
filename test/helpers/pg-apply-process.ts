/**
 * `dbfence apply --allow-destructive` of the postgres provider in a process
 * of its own, for tests that kill it with SIGKILL: the config comes as JSON
 * in DBFENCE_TEST_CONFIG, secrets from the environment.
 * Run with `node --import tsx test/helpers/pg-apply-process.ts`.
 */
import type { EndpointsConfig } from '../../src/model/config.js';
import { applyOnce } from '../providers/postgres/fixtures.js';

const config = JSON.parse(process.env.DBFENCE_TEST_CONFIG ?? '') as EndpointsConfig;
const result = await applyOnce(config, process.env, true);
process.stdout.write(`${JSON.stringify(result.outcomes.map((o) => [o.change.address, o.status]))}\n`);
