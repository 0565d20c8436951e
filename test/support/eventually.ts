/**
 * Waits until `condition` holds (checked every `pollMs`), failing with `what` after `withinMs`;
 * resolves with how long it took. For effects that land asynchronously (worker output, deliveries,
 * replication).
 */
export async function eventually(condition: () => boolean | Promise<boolean>, withinMs = 2_000, what = 'the condition', pollMs = 10): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
