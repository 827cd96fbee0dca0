// Waiting for what a real part reaches by itself: a Redis found again, signing keys loaded in the background.

/** Polls `check` every 100 ms; resolves with the milliseconds it took to answer true, throws after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
