// The fresh phase's tokens, each sent once; after each fresh phase, aws-jwt-verify alone verifies the same tokens.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pinning } from './servers';

/** What bench/aws-jwt-verify-alone.ts needs: the pool it verifies for, where to run, where to put the tokens. */
export interface AloneOptions {
  /** The pool's issuer. */
  issuer: string;
  /** The pool's JWKS. */
  jwksUri: string;
  /** The app client the tokens are issued to. */
  clientId: string;
  /** The servers' pinning: aws-jwt-verify alone runs on their core. */
  pin: Pinning;
  /** The package root (where tsx resolves). */
  cwd: string;
  /** A directory for the file of tokens handed to the child. */
  workDir: string;
}

/** aws-jwt-verify's CPU per verification (µs) over `tokens`, in a child process pinned like the servers. */
export function awsJwtVerifyAlone(tokens: string[], options: AloneOptions): number {
  const file = path.join(options.workDir, 'fresh-tokens.json');
  writeFileSync(file, JSON.stringify(tokens));
  const command = [...options.pin.server, process.execPath, '--import', 'tsx', 'bench/aws-jwt-verify-alone.ts', file];
  const output = execFileSync(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, COGNITO_ISSUER: options.issuer, COGNITO_JWKS_URI: options.jwksUri, COGNITO_CLIENT_ID: options.clientId },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { verifications, cpuMicros } = JSON.parse(output) as { verifications: number; cpuMicros: number };
  return cpuMicros / verifications;
}

/** Tokens for the fresh phase, each handed out once; each phase's own tokens are then verified by aws-jwt-verify alone. */
export class FreshTokens {
  private taken = 0;
  private phaseStart = 0;
  private replayed = 0;
  /** aws-jwt-verify's own CPU per verification (µs) of the tokens each fresh phase sent, one entry a phase. */
  readonly awsJwtVerifyAlone: number[] = [];

  constructor(
    private readonly tokens: string[],
    private readonly alone: (tokens: string[]) => number,
  ) {}

  /** The next token (an arrow function: autocannon calls it per request). Past the last one, an empty string. */
  readonly next = (): string => this.tokens[this.taken++] ?? '';

  /** A token of the pool, round and round: for a server that keeps nothing, to which every token is new. */
  readonly again = (): string => this.tokens[this.replayed++ % this.tokens.length]!;

  /** Marks the start of a fresh phase. */
  begin(): void {
    this.phaseStart = this.taken;
  }

  /** Ends a fresh phase: throws if it ran out of tokens, else measures aws-jwt-verify alone over the ones it sent. */
  end(): void {
    if (this.taken > this.tokens.length) throw new Error(`ran out of fresh tokens (${this.tokens.length}): raise BENCH_FRESH_TOKENS`);
    this.awsJwtVerifyAlone.push(this.alone(this.tokens.slice(this.phaseStart, this.taken)));
  }
}
