/** A promise's outcome, held so that a failure waits until it is asked for instead of crashing the process as unhandled. */
export type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

export function settle<T>(promise: Promise<T>): Settled<T> {
  return promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}

export async function unwrap<T>(settled: Settled<T>): Promise<T> {
  const outcome = await settled;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
