// What the service counts and times, as one interface; off by default (no-op), Prometheus when METRICS_PORT is set.

/** How a request's Bearer token fared. */
export type AuthOutcome = 'accepted' | 'no_token' | 'invalid_request' | 'invalid_token' | 'logged_out' | 'insufficient_scope' | 'unavailable';

/** A forward-auth answer to a proxy. */
export type ForwardAuthVerdict = 'allowed' | 'unauthorized' | 'forbidden' | 'unavailable' | 'bad_request';

/**
 * The service's instruments; each call is cheap and never throws. Off is `noMetrics`, whose `enabled` is false: a
 * part that would read a clock or work out a label only for the metrics checks `enabled` first.
 */
export interface Metrics {
  /** False for `noMetrics`: nothing is recorded, so nothing needs measuring. */
  readonly enabled: boolean;
  /** One HTTP request answered: its route template (`/books/:id`, or `unmatched`), method, status, duration. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** One Bearer check; `reason` for invalid tokens (`expired`, `signature`, …). */
  authOutcome(outcome: AuthOutcome, reason?: string): void;
  /** One verdict of GET /auth/verify. */
  forwardAuth(verdict: ForwardAuthVerdict): void;
  /** One lookup in the verified-token cache. */
  tokenCache(hit: boolean): void;
  /** One Redis command of the denylist, its duration, and whether it failed. */
  redisCommand(command: string, seconds: number, failed: boolean): void;
  /** One Cognito call (`InitiateAuth`, …), how it ended (`ok` or the error's class), its duration. */
  cognitoCall(operation: string, outcome: string, seconds: number): void;
  /** One request refused by a spent budget (`address`, `username`, `user`). */
  budgetSpent(budget: string): void;
  /** The denylist found that a part of its store lost its data: `slots` hash slots (1 on a single server). */
  storeLoss(slots: number): void;
  /** A session-ending write waited for replicas (WAIT) and got too few in time. */
  replicaShortfall(): void;
}

/** Metrics that record nothing: the default when METRICS_PORT is unset. */
export const noMetrics: Metrics = {
  enabled: false,
  request: () => undefined,
  authOutcome: () => undefined,
  forwardAuth: () => undefined,
  tokenCache: () => undefined,
  redisCommand: () => undefined,
  cognitoCall: () => undefined,
  budgetSpent: () => undefined,
  storeLoss: () => undefined,
  replicaShortfall: () => undefined,
};

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
