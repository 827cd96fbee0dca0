// The Metrics on prom-client, and the separate listener that serves them (METRICS_PORT; the API port never does).
import type { RequestListener } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AuthOutcome, ForwardAuthVerdict, Metrics } from './metrics';

/** Buckets in seconds: the hot path takes well under a millisecond, Cognito calls tens to hundreds of them. */
const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The child of `metric` for a label-value tuple, made once: prom-client hashes the label object on every labelled
 * call, which costs more than the observation itself on the hot path.
 */
function childrenOf<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const children = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      child = make(...values);
      children.set(key, child);
    }
    return child;
  };
}

/** Metrics kept in a prom-client registry of their own (with the default process metrics). */
export class PrometheusMetrics implements Metrics {
  readonly enabled = true;
  /** The registry to expose. */
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly auth = new Counter({
    name: 'auth_outcomes_total',
    help: 'Bearer token checks by outcome; reason says why a token was invalid.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly forward = new Counter({
    name: 'forward_auth_verdicts_total',
    help: 'Verdicts of GET /auth/verify given to proxies.',
    labelNames: ['verdict'] as const,
    registers: [this.registry],
  });
  private readonly cache = new Counter({
    name: 'token_cache_lookups_total',
    help: 'Lookups in the cache of verified tokens, by result (hit, miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly redis = new Histogram({
    name: 'redis_command_duration_seconds',
    help: 'Denylist commands sent to Redis, by command and whether they failed.',
    labelNames: ['command', 'failed'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly redisErrors = new Counter({
    name: 'redis_command_errors_total',
    help: 'Denylist commands that failed (timeout, connection), by command.',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });
  private readonly cognito = new Histogram({
    name: 'cognito_call_duration_seconds',
    help: 'Calls to Cognito by operation and outcome (ok, or the domain error they ended in).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly limited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 by a budget (address, username, user).',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  private readonly losses = new Counter({
    name: 'denylist_store_losses_total',
    help: 'Times the denylist found a part of its Redis had lost its data (restart empty, flush, replacement).',
    registers: [this.registry],
  });
  private readonly lostSlots = new Counter({
    name: 'denylist_store_lost_slots_total',
    help: 'Hash slots (1 for a single server) found to have lost their data; their older sessions are refused.',
    registers: [this.registry],
  });
  private readonly shortfalls = new Counter({
    name: 'denylist_replica_shortfalls_total',
    help: 'Session-ending writes answered 503 because fewer than DENYLIST_MIN_REPLICAS replicas acknowledged in time.',
    registers: [this.registry],
  });

  private readonly requestChild = childrenOf((route, method, status) => this.requests.labels(route!, method!, status!));
  private readonly authChild = childrenOf((outcome, reason) => this.auth.labels(outcome!, reason!));
  private readonly forwardChild = childrenOf((verdict) => this.forward.labels(verdict!));
  private readonly redisChild = childrenOf((command, failed) => this.redis.labels(command!, failed!));
  private readonly cacheHit = this.cache.labels('hit');
  private readonly cacheMiss = this.cache.labels('miss');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.requestChild(route, method, String(status)).observe(seconds);
  }

  authOutcome(outcome: AuthOutcome, reason = ''): void {
    this.authChild(outcome, reason).inc();
  }

  forwardAuth(verdict: ForwardAuthVerdict): void {
    this.forwardChild(verdict).inc();
  }

  tokenCache(hit: boolean): void {
    (hit ? this.cacheHit : this.cacheMiss).inc();
  }

  redisCommand(command: string, seconds: number, failed: boolean): void {
    this.redisChild(command, String(failed)).observe(seconds);
    if (failed) this.redisErrors.inc({ command });
  }

  // Rare calls (Cognito, budgets): labelled directly.
  cognitoCall(operation: string, outcome: string, seconds: number): void {
    this.cognito.observe({ operation, outcome }, seconds);
  }

  budgetSpent(budget: string): void {
    this.limited.inc({ budget });
  }

  storeLoss(slots: number): void {
    this.losses.inc();
    this.lostSlots.inc(slots);
  }

  replicaShortfall(): void {
    this.shortfalls.inc();
  }
}

/** Answers `GET /metrics` from `registry`, and 404 to anything else: the listener of METRICS_PORT. */
export function metricsListener(registry: Registry): RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed\n'),
    );
  };
}
