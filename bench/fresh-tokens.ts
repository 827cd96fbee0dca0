// The fresh phase's tokens, each sent once.

/** Tokens for the fresh phase, each handed out once. */
export class FreshTokens {
  private taken = 0;

  constructor(private readonly tokens: string[]) {}

  /** The next token (an arrow function: autocannon calls it per request). Past the last one, an empty string. */
  readonly next = (): string => this.tokens[this.taken++] ?? '';

  /** Ends a fresh phase: throws if it ran out of tokens. */
  end(): void {
    if (this.taken > this.tokens.length) throw new Error(`ran out of fresh tokens (${this.tokens.length}): raise BENCH_FRESH_TOKENS`);
  }
}
