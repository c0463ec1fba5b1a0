import { execFileSync, spawn } from 'node:child_process';

/**
 * Makes a FIFO at `path` with a writer that holds it open for a while, so a
 * reader that wrongly waits on it comes back (as an empty read) instead of
 * hanging the test run. Returns a function that ends the writer.
 */
export function fifoWithWriter(path: string): () => void {
  execFileSync('mkfifo', [path]);
  const writer = spawn('/bin/sh', ['-c', 'sleep 20 > "$1"', 'sh', path], { stdio: 'ignore' });
  return () => writer.kill();
}
