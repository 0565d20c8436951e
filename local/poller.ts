/** Something the local environment runs in the background until it stops. */
export interface Poller {
  stop(): Promise<void>;
}

const ERROR_PAUSE_MS = 500;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `step` over and over, `intervalMs` apart, until stopped; a failed step is reported and the
 * loop pauses at least ERROR_PAUSE_MS, so an emulator that went away is not hammered.
 */
export function repeat(step: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): Poller {
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        await step();
        await sleep(intervalMs);
      } catch (error) {
        if (!running) break;
        onError(error);
        await sleep(Math.max(intervalMs, ERROR_PAUSE_MS));
      }
    }
  })();
  return { stop: async () => { running = false; await done; } };
}
