// Renders a bench run as markdown: the phase table, targets that name the rows they compare, the checks, the sizing.
import type { AuthorizerRun } from './authorizer';
import type { LoopLag, Sample } from './measure';
import type { PhaseName } from './phases';
import type { Footprint } from './redis-footprint';
import { SIZING, sizing } from './sizing';

/** The token cache's memory after `tokens` distinct tokens (bench/cache-memory.ts). */
export interface CacheMemorySample {
  tokens: number;
  rssMb: number;
  heapMb: number;
}

/** A measured row: its label and one sample a round. */
export interface Row {
  label: string;
  samples: Sample[];
}

/** Everything a run measured, for the report. */
export interface BenchRun {
  /** When the run ended. */
  at: Date;
  /** CPU, cores, memory, kernel and Node of the machine. */
  machine: string;
  /** How the run was made. */
  settings: {
    rounds: number;
    seconds: number;
    connections: number;
    /** Servers and load generator each on a core of their own. */
    pinned: boolean;
    /** Logins and logouts the Redis footprint is measured over. */
    sessions: number;
    /** Logged-out sessions the `loggedOut` row reads past. */
    loggedOut: number;
    /** Distinct tokens pushed through the token cache. */
    cacheTokens: number;
    /** The git ref of the baseline rows, when BENCH_BASELINE was given. */
    baselineRef?: string;
  };
  /** The rows by phase name, in the table's order. */
  rows: Partial<Record<PhaseName, Row>>;
  /** aws-jwt-verify's own CPU per verification (µs) of each round's fresh tokens, one entry a round. */
  awsJwtVerifyAlone: number[];
  /** The same for the tokens each round's `doorFresh` phase sent. */
  doorAwsJwtVerifyAlone: number[];
  /** The Lambda authorizer's bundle: its warm CPU per invocation, its cold starts, its size. */
  authorizer: AuthorizerRun;
  /** Redis bytes per login, logout and budget counter. */
  footprint: Footprint;
  /** The token cache's memory as the tokens went through. */
  cacheMemory: CacheMemorySample[];
  /** Request log lines at info the service wrote, against the requests it answered. */
  requestLog: { lines: number; requests: number };
  /** How many of helmet()'s headers were checked, and which went missing on which route. */
  securityHeaders: { checked: number; missing: string[] };
}

/** A figure over the rounds: its median and its range. */
export interface Spread {
  value: number;
  min: number;
  max: number;
}

/** A target: a ratio, and the bound its median must keep. */
export interface Target {
  label: string;
  measured: Spread;
  /** The least the median must reach (higher is better), or with `atMost` the most it may be. */
  goal: number;
  /** The ratio is a cost, lower is better: the goal is a ceiling. */
  atMost?: boolean;
}

/** Whether the median of `target` keeps its goal. */
export const isMet = (target: Target): boolean => (target.atMost ? target.measured.value <= target.goal : target.measured.value >= target.goal);

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const spread = (values: number[]): Spread => ({ value: median(values), min: Math.min(...values), max: Math.max(...values) });

const cpu = (s: Sample) => s.cpuPerRequest;
const rps = (s: Sample) => s.rps;

/** The samples of the row `name`; throws when the run has no such row, so a target can't read a row that isn't there. */
export function samplesOf(rows: BenchRun['rows'], name: PhaseName): Sample[] {
  const row = rows[name];
  if (!row) throw new Error(`no row '${name}' in this run (rows: ${Object.keys(rows).join(', ')})`);
  return row.samples;
}

/**
 * `a`'s figure over `b`'s (CPU per request unless told), worked out within each round, whose phases run close
 * together where rounds can differ 2× on a shared VM, and given as the median over the rounds with its range.
 */
export function ratio(rows: BenchRun['rows'], a: PhaseName, b: PhaseName, of: (s: Sample) => number = cpu): Spread {
  const [x, y] = [samplesOf(rows, a), samplesOf(rows, b)];
  if (x.length !== y.length) throw new Error(`rows '${a}' and '${b}' have ${x.length} and ${y.length} rounds`);
  return spread(x.map((sample, i) => of(sample) / of(y[i]!)));
}

/**
 * A fresh token's check on the door over aws-jwt-verify's own check plus the warm door, within each round: at most
 * 1 when the door adds no more to aws-jwt-verify than it costs with a warm token. aws-jwt-verify's own check is
 * `inServer` (the floorCheck row less the floor: the check inside a server, as the door runs it) or, with `loop`,
 * aws-jwt-verify alone verifying the same tokens in a tight loop of its own.
 */
export function doorFreshOverBudget(run: BenchRun, yardstick: 'inServer' | 'loop'): Spread {
  const [fresh, door, floor, floorCheck] = (['doorFresh', 'door', 'floor', 'floorCheck'] as const).map((name) => samplesOf(run.rows, name));
  const check = yardstick === 'loop' ? run.doorAwsJwtVerifyAlone : floorCheck!.map((sample, i) => sample.cpuPerRequest - floor![i]!.cpuPerRequest);
  if ([door, check].some((row) => row!.length !== fresh!.length)) {
    throw new Error(`rows 'doorFresh', 'door' and aws-jwt-verify's check have ${fresh!.length}, ${door!.length} and ${check.length} rounds`);
  }
  return spread(fresh!.map((sample, i) => sample.cpuPerRequest / (check[i]! + door![i]!.cpuPerRequest)));
}

/** The run's targets, each naming the rows it compares; the baseline's peer ratios when it ran. */
export function targets(run: BenchRun): Target[] {
  const { rows } = run;
  const loggedOut = run.settings.loggedOut.toLocaleString('en-US');
  const list: Target[] = [
    { label: '≥ 1.3× cheaper than the bare peer (CPU: peer ÷ warm)', measured: ratio(rows, 'peerBare', 'warm'), goal: 1.3 },
    { label: '≥ 1.6× cheaper than the production-stack peer (CPU: peer ÷ warm)', measured: ratio(rows, 'peerStack', 'warm'), goal: 1.6 },
    {
      label: `warm throughput unchanged with ${loggedOut} logged-out sessions (req/s ÷ warm ≥ 0.95)`,
      measured: ratio(rows, 'loggedOut', 'warm', rps),
      goal: 0.95,
    },
    { label: '/auth/verify costs no more than /auth/me (CPU: me ÷ verify ≥ 0.95)', measured: ratio(rows, 'warm', 'verify'), goal: 0.95 },
    {
      label: 'introspecting a warm token costs no more than 1.2× /auth/verify (CPU: introspect ÷ verify ≤ 1.2)',
      measured: ratio(rows, 'introspect', 'verify'),
      goal: 1.2,
      atMost: true,
    },
    { label: 'metrics on cost no more than off (CPU: off ÷ on ≥ 0.95)', measured: ratio(rows, 'warm', 'metricsOn'), goal: 0.95 },
    { label: "a warm token's check on the door costs ≤ 3× the floor (CPU: door ÷ floor ≤ 3)", measured: ratio(rows, 'door', 'floor'), goal: 3, atMost: true },
    {
      label:
        "a fresh token's check on the door costs no more than aws-jwt-verify's own check plus the warm door " +
        '(CPU: doorFresh ÷ ((floorCheck − floor) + door) ≤ 1; the check as it costs inside a server)',
      measured: doorFreshOverBudget(run, 'inServer'),
      goal: 1,
      atMost: true,
    },
    {
      // Medians over the rounds, not within each: the authorizer runs in processes of its own after the rounds.
      label: 'a warm Lambda authorizer invocation costs no more than /auth/verify (CPU: authorizerWarm ÷ verify, medians, ≤ 1)',
      measured: spread([median(run.authorizer.warmCpu) / median(samplesOf(rows, 'verify').map(cpu))]),
      goal: 1,
      atMost: true,
    },
    { label: "the Lambda authorizer's cold start ≤ 300 ms (authorizerColdStart, ms)", measured: spread(run.authorizer.coldStartMs), goal: 300, atMost: true },
  ];
  const ref = run.settings.baselineRef;
  if (ref !== undefined) {
    list.push(
      { label: `baseline ${ref}: ≥ 1.3× cheaper than the bare peer (CPU: peer ÷ baseline warm)`, measured: ratio(rows, 'peerBare', 'baselineWarm'), goal: 1.3 },
      {
        label: `baseline ${ref}: ≥ 1.6× cheaper than the production-stack peer (CPU: peer ÷ baseline warm)`,
        measured: ratio(rows, 'peerStack', 'baselineWarm'),
        goal: 1.6,
      },
    );
  }
  return list;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const bytes = (n: number) => (n >= 2 ** 30 ? `${fmt(n / 2 ** 30, 1)} GiB` : `${fmt(n / 2 ** 20)} MiB`);
const range = (s: Spread, digits = 2) => `${fmt(s.value, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const yes = (met: boolean) => (met ? 'yes' : 'no');

/** The run as markdown: what bench/results/latest.md holds. */
export function renderReport(run: BenchRun): string {
  const { rows, settings, footprint } = run;
  const cpuOf = (name: PhaseName) => median(samplesOf(rows, name).map(cpu));
  const healthz = cpuOf('healthz');
  const warm = cpuOf('warm');
  const fresh = cpuOf('fresh');
  const alone = median(run.awsJwtVerifyAlone);
  const freshShare = spread(samplesOf(rows, 'fresh').map((s, i) => s.cpuPerRequest - run.awsJwtVerifyAlone[i]!));
  const control = warm / cpuOf('control');

  // Flatness is judged once the cache has been full for a while (from 20 % of the tokens on).
  const afterFill = run.cacheMemory.filter((m) => m.tokens >= settings.cacheTokens * 0.2);
  const rssMin = Math.min(...afterFill.map((m) => m.rssMb));
  const rssMax = Math.max(...afterFill.map((m) => m.rssMb));
  const rssSpread = (rssMax - rssMin) / rssMin;
  const lag = Object.values(rows).flatMap((row) => row.samples.map((s) => s.loopLag).filter((l): l is LoopLag => l !== undefined));
  const { missing, checked } = run.securityHeaders;

  const aloneRow = (figures: number[]) =>
    `| aws-jwt-verify alone: its verifySync of the same fresh tokens, keys loaded, in a process of its own pinned like the servers | – | – | – | ${range(spread(figures), 0)} | ${fmt(median(figures) / healthz, 2)} |`;
  const phaseTable = (Object.entries(rows) as [PhaseName, Row][]).flatMap(([name, row]) => {
    const of = (figure: (s: Sample) => number) => row.samples.map(figure);
    const c = spread(of(cpu));
    const line = `| ${row.label} | ${fmt(median(of(rps)))} | ${fmt(median(of((s) => s.p50)), 1)} | ${fmt(median(of((s) => s.p99)), 1)} | ${range(c, 0)} | ${fmt(c.value / healthz, 2)} |`;
    // aws-jwt-verify's own cost for a fresh phase's tokens goes right under it.
    if (name === 'fresh') return [line, aloneRow(run.awsJwtVerifyAlone)];
    if (name === 'doorFresh') return [line, aloneRow(run.doorAwsJwtVerifyAlone)];
    return [line];
  });
  const beforeAfter =
    settings.baselineRef === undefined
      ? []
      : [
          `Before and after: the baseline ${settings.baselineRef}, built apart, in the same rounds as this tree. It is a process of its own, ` +
            'as the control is, so the control row says what any two processes differ by here.',
          '',
          '| comparison (CPU per request, within each round; above 1: this tree is cheaper) | measured: median of the rounds (min–max) |',
          '|---|---:|',
          `| warm /auth/me: baseline ÷ this tree | ${range(ratio(rows, 'baselineWarm', 'warm'))} |`,
          `| /auth/verify: baseline ÷ this tree | ${range(ratio(rows, 'baselineVerify', 'verify'))} |`,
          `| /auth/introspect: baseline ÷ this tree | ${range(ratio(rows, 'baselineIntrospect', 'introspect'))} |`,
          `| two identical processes: control ÷ service, warm /auth/me | ${range(ratio(rows, 'control', 'warm'))} |`,
          '',
        ];

  return [
    `# Benchmark results`,
    '',
    `${run.at.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${run.machine}`,
    `${settings.rounds} interleaved rounds, medians · autocannon, ${settings.connections} connections, ${settings.seconds} s per phase, each fresh token used once · ` +
      (settings.pinned ? 'servers on core 0, load generator on core 1, Redis where the OS puts it' : 'not pinned') +
      ' · NODE_ENV=production, request log at info to a file, Redis and cognito-local on loopback' +
      (settings.baselineRef === undefined ? '' : ` · baseline: ${settings.baselineRef}, built apart and run with the same settings`),
    '',
    '| phase | req/s | p50 ms | p99 ms | server CPU µs/req (min–max over rounds) | CPU ÷ /healthz |',
    '|---|---:|---:|---:|---:|---:|',
    ...phaseTable,
    '',
    `Fresh /auth/me ${fmt(fresh)} µs; aws-jwt-verify alone ${fmt(alone)} µs; the service's own share ${fmt(fresh - alone)} µs ` +
      `(CPU per request, medians of the rounds; the share within each round ${fmt(freshShare.min)}–${fmt(freshShare.max)}; a warm token ${fmt(warm)} µs).`,
    '',
    ...freshDoorSection(run),
    '| target | measured: median of the rounds (min–max) | met |',
    '|---|---:|:---:|',
    ...targets(run).map((t) => `| ${t.label} | ${range(t.measured)} | ${yes(isMet(t))} |`),
    `| Redis bytes per live login ≤ 150 (Amazon Cognito's tokens; ${fmt(settings.sessions)} logins) | ${fmt(footprint.loginAmazon, 1)} | ${yes(footprint.loginAmazon <= 150)} |`,
    `| Redis bytes per logout ≤ 150 (${fmt(settings.sessions)} logouts of distinct users) | ${fmt(footprint.logout, 1)} | ${yes(footprint.logout <= 150)} |`,
    `| token cache RSS flat (±10 %) over ${fmt(settings.cacheTokens)} distinct tokens | ${fmt(rssMin)}–${fmt(rssMax)} MB (spread ${fmt(rssSpread * 100, 1)} %) | ${yes(rssSpread <= 0.1)} |`,
    `| request log at info for every request | ${fmt(run.requestLog.lines)} lines for ${fmt(run.requestLog.requests)} requests | ${yes(run.requestLog.lines >= run.requestLog.requests)} |`,
    `| every security header of helmet() sent (${checked} headers, on /healthz, /auth/me, /auth/verify, /auth/introspect, /auth/revoke of the API port; the forward-auth door sends none, its answers go to the proxy alone) | ${missing.length === 0 ? 'all' : missing.join(', ')} | ${yes(missing.length === 0)} |`,
    '',
    ...nginxSection(rows),
    ...authorizerSection(run.authorizer),
    ...beforeAfter,
    `Control: a second process identical to the service measured ${fmt(cpuOf('control'))} µs of CPU per warm /auth/me against the ` +
      `service's ${fmt(warm)} (service ÷ twin ${fmt(control, 2)}): a comparison between two processes (metrics on against off) ` +
      'is worth no more than that.',
    '',
    `Redis footprint, from \`INFO memory\` over ${fmt(settings.sessions)} of each: a login with Amazon Cognito's tokens (\`origin_jti\`) keeps ${fmt(footprint.loginAmazon, 1)} bytes; ` +
      `one with tokens that carry no \`origin_jti\` (cognito-local) keeps its refresh token record, ${fmt(footprint.loginNoOriginJti, 1)} bytes; ` +
      `a logout ${fmt(footprint.logout, 1)} bytes; a refresh with Amazon Cognito's tokens ${fmt(footprint.refreshAmazon, 1)} bytes, and where tokens carry no \`origin_jti\` ` +
      `${fmt(footprint.refreshNoOriginJti, 1)} bytes (the new token's link to its login's session, for the token's lifetime); a login's (client IP, username) budget counter ${fmt(footprint.rateLimitCounter, 1)} bytes for its window.`,
    '',
    `Event-loop delay of the service under this load (median of its phases' p99): ${fmt(median(lag.map((l) => l.p99)), 1)} ms, max ${fmt(Math.max(...lag.map((l) => l.max)), 1)} ms.`,
    '',
    `Cache memory (tokens → RSS / V8 heap used, MB; cache of 10,000 entries, stand-in verifier, after full GC): ${run.cacheMemory
      .map((m) => `${fmt(m.tokens)} → ${fmt(m.rssMb)} / ${fmt(m.heapMb)}`)
      .join(', ')}.`,
    '',
    ...sizingSection(footprint, warm),
  ].join('\n');
}

/** aws-jwt-verify's check of a fresh token, measured two ways, and the door's fresh token against each. */
function freshDoorSection(run: BenchRun): string[] {
  const of = (name: PhaseName) => samplesOf(run.rows, name).map(cpu);
  const [floor, floorCheck] = [of('floor'), of('floorCheck')];
  const inServer = spread(floorCheck.map((c, i) => c - floor[i]!));
  const loop = spread(run.doorAwsJwtVerifyAlone);
  return [
    `aws-jwt-verify's check of a fresh token costs ${range(inServer, 0)} µs inside a server (floorCheck − floor, within each round) and ` +
      `${range(loop, 0)} µs in a tight loop of its own (aws-jwt-verify alone, the same tokens). A fresh token on the door against ` +
      `the check inside a server plus the warm door: ${range(doorFreshOverBudget(run, 'inServer'))}; against the tight loop plus the ` +
      `warm door: ${range(doorFreshOverBudget(run, 'loop'))}. The target takes the first: the door runs the check inside a server.`,
    '',
  ];
}

/** The Lambda authorizer's rows: as deployed, one file bundled with esbuild, each process pinned like the servers. */
function authorizerSection(authorizer: AuthorizerRun): string[] {
  return [
    'Lambda authorizer (src/lambda/authorizer.ts bundled by esbuild into one file, platform node, target node22; a REST TOKEN event with the warm token; each process pinned like the servers):',
    '',
    '| row | measured: median (min–max) |',
    '|---|---:|',
    `| authorizerWarm: CPU µs per warm invocation, handler only (process.cpuUsage around the loop, one process a round) | ${range(spread(authorizer.warmCpu), 0)} |`,
    `| authorizerColdStart: ms from requiring the bundle to its first answer, a fresh process each (${authorizer.coldStartMs.length} samples) | ${range(spread(authorizer.coldStartMs), 0)} |`,
    `| bundle size, KB | ${fmt(authorizer.bundleBytes / 1024)} |`,
    '',
  ];
}

/** The two nginx rows side by side, with the door asked directly. */
function nginxSection(rows: BenchRun['rows']): string[] {
  const of = (name: PhaseName, figure: (s: Sample) => number) => median(samplesOf(rows, name).map(figure));
  return [
    `Through nginx (one worker, pinned with the servers; both in front of the floor as the upstream): with auth_request to the door ` +
      `${fmt(of('nginxAuth', rps))} req/s, p50 ${fmt(of('nginxAuth', (s) => s.p50), 1)} ms, p99 ${fmt(of('nginxAuth', (s) => s.p99), 1)} ms; ` +
      `without auth ${fmt(of('nginxPlain', rps))} req/s, p50 ${fmt(of('nginxPlain', (s) => s.p50), 1)} ms, p99 ${fmt(of('nginxPlain', (s) => s.p99), 1)} ms ` +
      `(throughput with ÷ without, within each round: ${range(ratio(rows, 'nginxAuth', 'nginxPlain', rps))}). ` +
      `The auth service spent ${fmt(of('nginxAuth', cpu))} µs of CPU per proxied request, against ${fmt(of('door', cpu))} µs per check asked of the door directly.`,
    '',
  ];
}

/** The sizing table at the warm-token CPU cost of this run. */
function sizingSection(footprint: Footprint, warmCpu: number): string[] {
  return [
    `## Sizing, from this run`,
    '',
    `Each daily user logs in and out once, makes ${SIZING.protectedPerUserDay} protected requests and ${SIZING.refreshesPerUserDay} refreshes; ` +
      `the peak hour runs at ${SIZING.peakToAverage}× the day's average. Redis memory holds the logged-out sessions: for 1 day when each logout ` +
      `sends its refresh token (Cognito revokes it), for the ${SIZING.sessionTtlDays}-day refresh token lifetime when none does; plus the login budget counters. ` +
      `API cores: the peak's protected requests at the warm-token CPU cost measured above, at 100 % (leave headroom).`,
    '',
    "| daily users | Redis memory (logouts revoke / don't) | Redis ops/s at peak | protected req/s at peak | API cores at peak |",
    '|---:|---:|---:|---:|---:|',
    ...[1e6, 1e7, 1e8]
      .map((users) => sizing(users, footprint, warmCpu))
      .map((s) => `| ${fmt(s.dailyUsers)} | ${bytes(s.bestBytes)} / ${bytes(s.worstBytes)} | ${fmt(s.opsPeak)} | ${fmt(s.protectedPeak)} | ${fmt(s.cores, 1)} |`),
    '',
  ];
}
