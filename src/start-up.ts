// What an instance needs before it serves, by name: start-up brings each in (retried until it is), /readyz reports them.
import type { Logger } from 'pino';

/** How often start-up tries again a step that failed. */
export const RETRY_MS = 5000;

/** One thing an instance needs, under the name /readyz reports when it is missing. */
export interface ReadinessEntry {
  /** The name in /readyz's `down` list (`redis`, `jwks`). */
  name: string;
  /** Resolves when it is in place now; rejects when it is not. */
  check(): Promise<void>;
  /** What start-up does to bring it in (load the signing keys); entries that need nothing have none. */
  start?(): Promise<void>;
}

/**
 * Runs `step` now and, until it succeeds, again every `retryMs` on a timer that doesn't hold the process open.
 * Resolves after the first try, with whether it worked; the retries go on in the background.
 */
export async function retryUntilDone(name: string, step: () => Promise<void>, logger: Logger, retryMs = RETRY_MS): Promise<boolean> {
  try {
    await step();
    logger.info({ step: name }, `start-up: ${name} ready`);
    return true;
  } catch (err) {
    logger.warn({ step: name, err: { message: (err as Error).message } }, `start-up: ${name} not ready yet; retrying`);
    setTimeout(() => void retryUntilDone(name, step, logger, retryMs), retryMs).unref();
    return false;
  }
}

/** The readiness of one instance: its named entries, started once and checked on every /readyz. */
export class Readiness {
  constructor(private readonly entries: readonly ReadinessEntry[]) {}

  /** Starts every entry that has a start step; resolves once each has been tried once. */
  async start(logger: Logger, retryMs = RETRY_MS): Promise<void> {
    await Promise.all(
      this.entries.flatMap((entry) => (entry.start ? [retryUntilDone(entry.name, entry.start, logger, retryMs)] : [])),
    );
  }

  /** The names of the entries not in place now, in the order given. */
  async down(): Promise<string[]> {
    const results = await Promise.allSettled(this.entries.map((entry) => entry.check()));
    return this.entries.filter((_, i) => results[i]!.status === 'rejected').map((entry) => entry.name);
  }
}
