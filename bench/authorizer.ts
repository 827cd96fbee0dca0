// The Lambda authorizer's rows (issue 24.4): src/lambda/authorizer.ts bundled as deployed, one file built with
// esbuild; its CPU per warm invocation, its cold start (a fresh process per sample) and the bundle's size.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { Pinning } from './servers';

/** What the authorizer measured. */
export interface AuthorizerRun {
  /** CPU per warm invocation of the handler, µs, one entry a round. */
  warmCpu: number[];
  /** Time from requiring the bundle to its first answer, ms, one entry a fresh process. */
  coldStartMs: number[];
  /** The bundle's size, bytes. */
  bundleBytes: number;
}

/** How many cold starts are sampled (the report gives their median). */
const COLD_STARTS = 5;

/** Bundles src/lambda/authorizer.ts into `dir` as one CommonJS file for Node 22, nothing external; returns its path. */
export function bundleAuthorizer(root: string, dir: string): string {
  const outfile = path.join(dir, 'authorizer.js');
  buildSync({ entryPoints: [path.join(root, 'src/lambda/authorizer.ts')], bundle: true, platform: 'node', target: 'node22', format: 'cjs', outfile, logLevel: 'error' });
  return outfile;
}

/**
 * Runs bench/authorizer-invoke.cjs over `bundle`, pinned like the servers, with the Lambda's environment `env` and
 * `token` in the event: `rounds` processes of `invocations` warm calls each, and COLD_STARTS fresh processes.
 */
export function measureAuthorizer(
  bundle: string,
  env: Record<string, string>,
  token: string,
  options: { pin: Pinning; cwd: string; rounds: number; invocations: number },
): AuthorizerRun {
  const resultFile = path.join(path.dirname(bundle), 'authorizer-result.json');
  const invoke = (...args: string[]) => {
    const command = [...options.pin.server, process.execPath, 'bench/authorizer-invoke.cjs', bundle, resultFile, ...args];
    // Its log (the Lambda's standard output) is dropped, as the service's goes to a file: only its cost is read.
    execFileSync(command[0]!, command.slice(1), { cwd: options.cwd, env: { PATH: process.env.PATH, ...env, BENCH_TOKEN: token }, stdio: ['ignore', 'ignore', 'inherit'] });
    return JSON.parse(readFileSync(resultFile, 'utf8')) as { coldMs: number; cpuMicrosPerInvocation?: number };
  };
  const warmCpu = Array.from({ length: options.rounds }, () => invoke('warm', String(options.invocations)).cpuMicrosPerInvocation!);
  const coldStartMs = Array.from({ length: COLD_STARTS }, () => invoke('cold').coldMs);
  return { warmCpu, coldStartMs, bundleBytes: statSync(bundle).size };
}

