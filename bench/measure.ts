// One phase under autocannon: its server's CPU per request, req/s, latency, and the event-loop delay where it is read.
import { readFileSync } from 'node:fs';
import { autocannon } from './autocannon';
import type { Phase } from './phases';
import { cpuMicros } from './servers';

/** The event-loop delay of a phase, in ms, as bench/loop-lag.cjs reports it. */
export interface LoopLag {
  p50: number;
  p99: number;
  max: number;
}

/** What one phase measured in one round. */
export interface Sample {
  /** Requests per second over the phase's wall time. */
  rps: number;
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
  /** The server's CPU time (all threads) per request answered, µs; the phase's `cpuOf` process's when it names one. */
  cpuPerRequest: number;
  /** Requests answered. */
  requests: number;
  /** Errors, timeouts and non-2xx answers. */
  failures: number;
  /** The server's event-loop delay over the phase, when bench/loop-lag.cjs runs in it. */
  loopLag?: LoopLag;
}

/** How hard each phase loads its server. */
export interface Load {
  /** autocannon's connections. */
  connections: number;
  /** Seconds per phase. */
  seconds: number;
}

/** Runs `phase` once under `load`. */
export async function runPhase(phase: Phase, load: Load): Promise<Sample> {
  const { server, token, form } = phase;
  const pid = (phase.cpuOf ?? server).child.pid!;
  const body = form && new URLSearchParams(form).toString();
  const headers = { ...phase.headers, ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) };
  if (server.loopLagFile) server.child.kill('SIGUSR2');
  const cpuBefore = cpuMicros(pid);
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: server.url,
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        method: body === undefined ? 'GET' : 'POST',
        path: phase.path,
        headers,
        body,
        setupRequest: (request) => (token ? { ...request, headers: { ...request.headers, authorization: `Bearer ${token()}` } } : request),
      },
    ],
  });
  const cpu = cpuMicros(pid) - cpuBefore;
  // Wall time measured here: autocannon reports whole seconds, which skews runs of a fixed request count.
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = result.requests.total;
  let loopLag: LoopLag | undefined;
  if (server.loopLagFile) {
    server.child.kill('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    loopLag = JSON.parse(readFileSync(server.loopLagFile, 'utf8')) as LoopLag;
  }
  return {
    rps: requests / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpu / Math.max(1, requests),
    requests,
    failures: result.errors + result.timeouts + result.non2xx,
    loopLag,
  };
}
