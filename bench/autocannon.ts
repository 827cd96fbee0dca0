// Typed access to autocannon (it ships no types): just the options and results the benchmark uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const run = require('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

/** A request as autocannon builds it; setupRequest may return a changed copy. */
export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** The body; autocannon sets its Content-Length. */
  body?: string;
}

/** The options the benchmark passes. */
export interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: (AutocannonRequest & { setupRequest?: (request: AutocannonRequest) => AutocannonRequest })[];
}

/** The parts of autocannon's result the benchmark reads. */
export interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
}

/** Runs a load test and resolves with its result. */
export const autocannon = (options: AutocannonOptions): Promise<AutocannonResult> => run(options);
