// What an instance needs before it serves, by name: start-up brings each in (retried until it is), /readyz reports them.
import type { Logger } from 'pino';
import { ConfigError } from './errors';

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
    // A setting to change is an error for the operator; a dependency not up yet is a warning.
    const level = err instanceof ConfigError ? 'error' : 'warn';
    logger[level]({ step: name, err: { message: (err as Error).message } }, `start-up: ${name} not ready yet; retrying`);
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

  /**
   * The entries not in place now, in the order given; `detail` is the message of a setting to change (ConfigError),
   * which /readyz shows, where an outage's own message would say nothing more than the name.
   */
  async down(): Promise<{ name: string; detail?: string }[]> {
    const results = await Promise.allSettled(this.entries.map((entry) => entry.check()));
    return this.entries.flatMap((entry, i) => {
      const result = results[i]!;
      if (result.status === 'fulfilled') return [];
      return [result.reason instanceof ConfigError ? { name: entry.name, detail: result.reason.message } : { name: entry.name }];
    });
  }
}
