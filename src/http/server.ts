// Every listener of the service (the API, the metrics) with the same timeouts: a stalled client is cut off in seconds.
import { createServer, type RequestListener, type Server } from 'node:http';

/** How long the server waits for a client (milliseconds). */
export interface ServerTimeouts {
  /** The whole request, headers and body, must arrive within this, or the answer is 408 (Node's default: 300 s). */
  requestMs: number;
  /** The headers must arrive within this (Node's default: 60 s). */
  headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** How often Node checks the two above; its default of 30 s would add up to 30 s to each. */
  checkIntervalMs: number;
}

/** A stalled client is cut off within requestMs + checkIntervalMs = 21 s. */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  requestMs: 20_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
  checkIntervalMs: 1_000,
};

/** Creates a server for `listener` (the Express app, or the metrics), not yet listening. */
export function createHttpServer(listener: RequestListener, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Server {
  return createServer(
    {
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.headersMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    listener,
  );
}
