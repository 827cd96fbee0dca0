// The bench's phases by name: the server each loads, the request it makes and its row's label; the order of a round.
import { assertIntrospectsActive, assertMeAnswers } from './checks';
import type { FreshTokens } from './fresh-tokens';
import type { Server } from './servers';

/** One row of the table: autocannon GETs `path` on `server` (or POSTs `form` to it) for the phase's seconds. */
export interface Phase {
  /** The row's label in the table. */
  label: string;
  /** The server it loads. */
  server: Server;
  /** The process whose CPU the row gives, when not `server`'s (behind a proxy: the auth service's). */
  cpuOf?: Server;
  /** The path it GETs, or POSTs `form` to. */
  path: string;
  /** The bearer token of each request; no Authorization header when absent. */
  token?: () => string;
  /** The form each request POSTs (application/x-www-form-urlencoded), the same every request; a GET when absent. */
  form?: Record<string, string>;
  /** Headers each request carries besides (an HTTP Basic caller's credentials). */
  headers?: Record<string, string>;
  /** Runs just before the phase (outside its measurement). */
  before?: () => Promise<void>;
  /** Runs just after the phase (outside its measurement), before its failures are checked. */
  after?: () => Promise<void>;
}

/** The names of the phases; targets and the report name their rows with these. */
export type PhaseName =
  | 'healthz'
  | 'warm'
  | 'metricsOn'
  | 'loggedOut'
  | 'control'
  | 'fresh'
  | 'verify'
  | 'introspect'
  | 'revoke'
  | 'baselineWarm'
  | 'baselineVerify'
  | 'baselineIntrospect'
  | 'peerBare'
  | 'peerStack'
  | 'floor'
  | 'door'
  | 'doorFresh'
  | 'floorCheck'
  | 'nginxAuth'
  | 'nginxPlain';

/** The phases of one run, in the order of the table; the baseline's only with BENCH_BASELINE. */
export type Phases = Partial<Record<PhaseName, Phase>>;

/** The servers the phases load. */
export interface PhaseServers {
  /** The built service, with bench/loop-lag.cjs preloaded. */
  service: Server;
  /** The same service with Prometheus metrics on. */
  metricsOn: Server;
  /** A second process identical to the service. */
  control: Server;
  /** The tutorial peer with nothing else. */
  peerBare: Server;
  /** The tutorial peer with pino-http and helmet. */
  peerStack: Server;
  /** The service as built from BENCH_BASELINE's ref. */
  baseline?: { server: Server; ref: string };
  /** The service's forward-auth door (FORWARD_AUTH_PORT): the service's own process, on the door's port. */
  door: Server;
  /** A raw node:http server answering a tiny JSON body: the floor, and the small upstream behind nginx. */
  floor: Server;
  /** The floor verifying each request's token with aws-jwt-verify first (FLOOR_CHECK=1). */
  floorCheck: Server;
  /** nginx with deploy/nginx/'s auth_request in front of the floor, its checks on the door. */
  nginxAuth: Server;
  /** The same nginx in front of the floor without auth_request. */
  nginxPlain: Server;
}

/** What the phases send and what they read past. */
export interface PhaseInputs {
  /** A token every phase but `fresh` sends: verified once, then served from the service's cache. */
  warm: string;
  /** Tokens the `fresh` phase sends, each once. */
  fresh: FreshTokens;
  /** Tokens the `doorFresh` phase sends, each once: a pool of its own, so aws-jwt-verify alone is measured on them. */
  doorFresh: FreshTokens;
  /** The Authorization header of an introspection caller the service knows (HTTP Basic of an INTROSPECTION_CLIENTS pair). */
  introspectionCaller: string;
  /** The token the `revoke` phase revokes: of a session of its own, not `warm`'s. */
  revoked: string;
  /** How many logged-out sessions the `loggedOut` phase reads past. */
  loggedOut: number;
  /** Trades the service's Redis database for the one holding the logged-out sessions, or back. */
  swapDatabases: () => Promise<void>;
}

/** The phases of a run over `servers`. */
export function definePhases(servers: PhaseServers, inputs: PhaseInputs): Phases {
  const { service, baseline } = servers;
  const warm = () => inputs.warm;
  const phases: Phases = {
    healthz: { label: 'service /healthz', server: service, path: '/healthz' },
    warm: { label: 'service /auth/me, warm token', server: service, path: '/auth/me', token: warm },
    metricsOn: { label: 'service /auth/me, warm token, metrics on', server: servers.metricsOn, path: '/auth/me', token: warm },
    // The service's own process with its database swapped for the loaded one: it differs from `warm` in what Redis holds only.
    loggedOut: {
      label: `service /auth/me, warm token, ${inputs.loggedOut.toLocaleString('en-US')} logged-out sessions in Redis`,
      server: service,
      path: '/auth/me',
      token: warm,
      before: inputs.swapDatabases,
      after: inputs.swapDatabases,
    },
    control: { label: 'control: a second, identical service process, /auth/me, warm token', server: servers.control, path: '/auth/me', token: warm },
    fresh: {
      label: 'service /auth/me, fresh token each request',
      server: service,
      path: '/auth/me',
      token: inputs.fresh.next,
      before: async () => inputs.fresh.begin(),
      after: async () => inputs.fresh.end(),
    },
    verify: { label: 'service /auth/verify (forward auth), warm token', server: service, path: '/auth/verify', token: warm },
    introspect: {
      label: 'service /auth/introspect (RFC 7662), warm token, HTTP Basic caller',
      server: service,
      path: '/auth/introspect',
      form: { token: inputs.warm },
      headers: { authorization: inputs.introspectionCaller },
      // An inactive token is a 200 too: only the answer's body says the row measured the active path.
      after: () => assertIntrospectsActive(service.url, inputs.introspectionCaller, inputs.warm),
    },
    /*
     * The same warm token revoked again each request, so the row is what a revocation adds to a cached check: the
     * form, the address budget, the denylist read and its SET (a first revocation of a cached token does the same
     * work). A fresh token each request would add aws-jwt-verify's whole check, which the fresh row and
     * aws-jwt-verify alone already measure, would bury the write under it, and would need a second pool of minted
     * tokens. A client revoking at logout has just used its token, so on the instance it used, its check is cached.
     * The token is of its own session: revoking `warm` would log out the one every other row sends.
     */
    revoke: {
      label: 'service /auth/revoke (RFC 7009), one warm token revoked again each request (the write path)',
      server: service,
      path: '/auth/revoke',
      form: { token: inputs.revoked },
      // Revocation answers 200 for any token: only the token refused after (accepted before the rounds) says it took.
      after: () => assertMeAnswers(service.url, inputs.revoked, 401),
    },
    ...(baseline && {
      baselineWarm: { label: `baseline ${baseline.ref}: service /auth/me, warm token`, server: baseline.server, path: '/auth/me', token: warm },
      baselineVerify: { label: `baseline ${baseline.ref}: service /auth/verify (forward auth), warm token`, server: baseline.server, path: '/auth/verify', token: warm },
      baselineIntrospect: {
        label: `baseline ${baseline.ref}: service /auth/introspect (RFC 7662), warm token, HTTP Basic caller`,
        server: baseline.server,
        path: '/auth/introspect',
        form: { token: inputs.warm },
        headers: { authorization: inputs.introspectionCaller },
        after: () => assertIntrospectsActive(baseline.server.url, inputs.introspectionCaller, inputs.warm),
      },
    }),
    peerBare: {
      label: 'peer "bare" /auth/me (aws-jwt-verify + HMGET each request; no log, no security headers)',
      server: servers.peerBare,
      path: '/auth/me',
      token: warm,
    },
    peerStack: { label: 'peer "production stack" /auth/me (the same + pino-http info line + helmet)', server: servers.peerStack, path: '/auth/me', token: warm },
    floor: { label: 'floor: raw node:http answering {"status":"ok"}', server: servers.floor, path: '/' },
    door: { label: 'service forward-auth door (FORWARD_AUTH_PORT) /auth/verify, warm token', server: servers.door, path: '/auth/verify', token: warm },
    doorFresh: {
      label: 'service forward-auth door /auth/verify, fresh token each request',
      server: servers.door,
      path: '/auth/verify',
      token: inputs.doorFresh.next,
      before: async () => inputs.doorFresh.begin(),
      after: async () => inputs.doorFresh.end(),
    },
    // aws-jwt-verify's own check inside a server: this row's CPU less the floor's. It keeps nothing from one request
    // to the next, so the doorFresh pool's tokens, over and over, are each as new to it as the first time.
    floorCheck: {
      label: "floor + aws-jwt-verify: raw node:http verifying each request's token (verifySync, keys loaded), then answering as the floor",
      server: servers.floorCheck,
      path: '/',
      token: inputs.doorFresh.again,
    },
    // Both nginx rows proxy to the floor; the CPU column of the first is the auth service's per proxied request
    // (what the checks cost the service), of the second the floor's (nothing asks the auth service).
    nginxAuth: {
      label: 'nginx auth_request (deploy/nginx) → door, then the floor; CPU: the auth service per proxied request',
      server: servers.nginxAuth,
      cpuOf: servers.door,
      path: '/api/bench',
      token: warm,
    },
    nginxPlain: { label: 'nginx without auth → the floor; CPU: the floor per proxied request', server: servers.nginxPlain, cpuOf: servers.floor, path: '/api/bench', token: warm },
  };
  return phases;
}

/**
 * The order of a round, in groups. A group's phases run back to back, in the opposite order every other round, so
 * that none always follows the same one: the warm-token rows of different processes (metrics on, the control, the
 * baseline) and of the swapped database sit together, and so do the two /auth/verify rows and introspection, the
 * target's other row; the floor beside the door it bounds, and the two nginx rows.
 */
const ROUND: PhaseName[][] = [
  ['healthz'],
  ['floor', 'door'],
  ['warm', 'loggedOut', 'metricsOn', 'control', 'baselineWarm'],
  ['fresh'],
  ['doorFresh', 'floorCheck'],
  ['introspect', 'verify', 'baselineVerify', 'baselineIntrospect'],
  ['revoke'],
  ['peerBare'],
  ['peerStack'],
  ['nginxPlain', 'nginxAuth'],
];

/** The names of `phases` in the order round `round` (from 1) runs them; throws if a phase has no place in a round. */
export function roundOrder(phases: Phases, round: number): PhaseName[] {
  const unplaced = (Object.keys(phases) as PhaseName[]).filter((name) => !ROUND.some((group) => group.includes(name)));
  if (unplaced.length > 0) throw new Error(`phases with no place in a round: ${unplaced.join(', ')}`);
  return ROUND.flatMap((group) => {
    const present = group.filter((name) => phases[name]);
    return round % 2 ? present : present.reverse();
  });
}
