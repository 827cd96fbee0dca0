// The bench's report: each target compares the rows it names, whatever order the phases ran or were listed in.
import type { Sample } from '../../bench/measure';
import type { PhaseName } from '../../bench/phases';
import { doorFreshOverBudget, isMet, ratio, renderReport, targets, type BenchRun, type Row } from '../../bench/report';

/** Samples of one round each, at the CPU per request given (µs), 1,000 req/s. */
const row = (label: string, ...cpu: number[]): Row => ({
  label,
  samples: cpu.map((c): Sample => ({ rps: 1000, p50: 1, p99: 2, cpuPerRequest: c, requests: 1000, failures: 0, loopLag: { p50: 1, p99: 2, max: 3 } })),
});

const ROWS: [PhaseName, Row][] = [
  ['healthz', row('healthz', 100, 100)],
  ['warm', row('warm', 200, 100)],
  ['metricsOn', row('metrics on', 200, 100)],
  ['loggedOut', row('logged out', 200, 100)],
  ['control', row('control', 220, 110)],
  ['fresh', row('fresh', 300, 150)],
  ['verify', row('verify', 100, 100)],
  ['introspect', row('introspect', 105, 125)],
  ['revoke', row('revoke', 150, 150)],
  ['peerBare', row('bare', 400, 300)],
  ['peerStack', row('stack', 800, 500)],
  ['floor', row('floor', 20, 25)],
  ['door', row('door', 50, 80)],
  ['doorFresh', row('door fresh', 80, 110)],
  ['floorCheck', row('floor check', 60, 45)],
  ['nginxAuth', row('nginx auth', 60, 90)],
  ['nginxPlain', row('nginx plain', 10, 10)],
];

function benchRun(rows: [PhaseName, Row][], baselineRef?: string): BenchRun {
  return {
    at: new Date('2026-12-01T00:00:00Z'),
    machine: 'test machine',
    settings: { rounds: 2, seconds: 1, connections: 1, pinned: false, sessions: 10, loggedOut: 10, cacheTokens: 10, baselineRef },
    rows: Object.fromEntries(rows),
    awsJwtVerifyAlone: [50, 40],
    doorAwsJwtVerifyAlone: [30, 20],
    authorizer: { warmCpu: [90, 110], coldStartMs: [200, 250, 220, 310, 240], bundleBytes: 1_433_600 },
    footprint: { loginAmazon: 0, loginNoOriginJti: 300, logout: 120, refreshAmazon: 0, refreshNoOriginJti: 125, rateLimitCounter: 130 },
    cacheMemory: [{ tokens: 10, rssMb: 100, heapMb: 20 }],
    requestLog: { lines: 10, requests: 10 },
    securityHeaders: { checked: 12, missing: [] },
  };
}

describe('bench report', () => {
  it('works out a target from the rows it names, round by round, whatever order the rows are in', () => {
    const listed = targets(benchRun(ROWS));
    const reversed = targets(benchRun([...ROWS].reverse()));
    expect(reversed).toEqual(listed);
    // The bare peer over the warm row: 400/200 and 300/100, median 2.5.
    expect(listed.find((t) => t.label.includes('bare peer'))?.measured).toEqual({ value: 2.5, min: 2, max: 3 });
    expect(ratio(benchRun(ROWS).rows, 'peerStack', 'warm')).toEqual({ value: 4.5, min: 4, max: 5 });
  });

  it('refuses a target that names a row the run did not measure', () => {
    const withoutBare = ROWS.filter(([name]) => name !== 'peerBare');
    expect(() => targets(benchRun(withoutBare))).toThrow("no row 'peerBare' in this run");
    // Asking for the baseline's peer ratios without its rows is the same mistake.
    expect(() => targets(benchRun(ROWS, 'bef5453'))).toThrow("no row 'baselineWarm' in this run");
  });

  it('prints a fresh token beside aws-jwt-verify alone, and sets no target against /healthz', () => {
    const run = benchRun(ROWS);
    // Fresh: medians 225 µs; aws-jwt-verify alone 45 µs.
    expect(renderReport(run)).toContain("Fresh /auth/me 225 µs; aws-jwt-verify alone 45 µs; the service's own share 180 µs");
    expect(renderReport(run)).not.toContain('Before and after');
    expect(targets(run).filter((t) => t.label.includes('/healthz'))).toEqual([]);
  });

  it('holds introspection to at most 1.2× the CPU of /auth/verify, round by round: a ceiling, not a floor', () => {
    const label = 'introspecting a warm token costs no more than 1.2× /auth/verify (CPU: introspect ÷ verify ≤ 1.2)';
    // 105/100 and 125/100: median 1.15, under the ceiling though one round is over it.
    expect(renderReport(benchRun(ROWS))).toContain(`| ${label} | 1.15 (1.05–1.25) | yes |`);
    const dearer = ROWS.map(([name, r]): [PhaseName, Row] => (name === 'introspect' ? [name, row('introspect', 130, 130)] : [name, r]));
    const target = (rows: [PhaseName, Row][]) => targets(benchRun(rows)).find((t) => t.label === label)!;
    expect(isMet(target(dearer))).toBe(false);
    expect(renderReport(benchRun(dearer))).toContain(`| ${label} | 1.30 (1.30–1.30) | no |`);
    // Cheaper than /auth/verify meets it, where a floor would not.
    const cheaper = ROWS.map(([name, r]): [PhaseName, Row] => (name === 'introspect' ? [name, row('introspect', 50, 50)] : [name, r]));
    expect(isMet(target(cheaper))).toBe(true);
    expect(() => targets(benchRun(ROWS.filter(([name]) => name !== 'introspect')))).toThrow("no row 'introspect' in this run");
  });

  it('gives the baseline its peer ratios and its before-and-after table when it ran', () => {
    const rows: [PhaseName, Row][] = [
      ...ROWS,
      ['baselineWarm', row('baseline warm', 400, 100)],
      ['baselineVerify', row('baseline verify', 100, 200)],
      ['baselineIntrospect', row('baseline introspect', 210, 125)],
    ];
    const report = renderReport(benchRun(rows, 'bef5453'));
    expect(report).toContain('| baseline bef5453: ≥ 1.3× cheaper than the bare peer (CPU: peer ÷ baseline warm) | 2.00 (1.00–3.00) | yes |');
    expect(report).toContain('| warm /auth/me: baseline ÷ this tree | 1.50 (1.00–2.00) |');
    expect(report).toContain('| /auth/verify: baseline ÷ this tree | 1.50 (1.00–2.00) |');
    expect(report).toContain('| /auth/introspect: baseline ÷ this tree | 1.50 (1.00–2.00) |');
  });

  it('holds the warm door to at most 3× the floor, round by round', () => {
    const label = "a warm token's check on the door costs ≤ 3× the floor (CPU: door ÷ floor ≤ 3)";
    // 50/20 and 80/25: median 2.85, under the ceiling though one round is over it.
    expect(renderReport(benchRun(ROWS))).toContain(`| ${label} | 2.85 (2.50–3.20) | yes |`);
    const dearer = ROWS.map(([name, r]): [PhaseName, Row] => (name === 'door' ? [name, row('door', 70, 80)] : [name, r]));
    expect(renderReport(benchRun(dearer))).toContain(`| ${label} | 3.35 (3.20–3.50) | no |`);
    expect(() => targets(benchRun(ROWS.filter(([name]) => name !== 'floor')))).toThrow("no row 'floor' in this run");
  });

  it("holds a fresh token on the door to aws-jwt-verify's own check inside a server plus the warm door, round by round", () => {
    // The check inside a server: floorCheck less the floor, 60−20 and 45−25. 80/(40+50) and 110/(20+80): median 0.99.
    expect(doorFreshOverBudget(benchRun(ROWS), 'inServer')).toEqual({ value: (80 / 90 + 110 / 100) / 2, min: 80 / 90, max: 1.1 });
    const label =
      "a fresh token's check on the door costs no more than aws-jwt-verify's own check plus the warm door " +
      '(CPU: doorFresh ÷ ((floorCheck − floor) + door) ≤ 1; the check as it costs inside a server)';
    expect(renderReport(benchRun(ROWS))).toContain(`| ${label} | 0.99 (0.89–1.10) | yes |`);
    const dearer = ROWS.map(([name, r]): [PhaseName, Row] => (name === 'doorFresh' ? [name, row('door fresh', 100, 110)] : [name, r]));
    expect(renderReport(benchRun(dearer))).toContain(`| ${label} | 1.11 (1.10–1.11) | no |`);
    // A floor with the check that costs less than the floor leaves the door a smaller budget, not a larger one.
    const cheapCheck = ROWS.map(([name, r]): [PhaseName, Row] => (name === 'floorCheck' ? [name, row('floor check', 30, 35)] : [name, r]));
    expect(doorFreshOverBudget(benchRun(cheapCheck), 'inServer')).toEqual({ value: (80 / 60 + 110 / 90) / 2, min: 110 / 90, max: 80 / 60 });
    expect(() => doorFreshOverBudget(benchRun(ROWS.filter(([name]) => name !== 'floorCheck')), 'inServer')).toThrow("no row 'floorCheck' in this run");
  });

  it('prints the tight-loop yardstick beside it: aws-jwt-verify alone on the same tokens', () => {
    // 80/(30+50) and 110/(20+80): 1.00 and 1.10, median 1.05.
    expect(doorFreshOverBudget(benchRun(ROWS), 'loop')).toEqual({ value: 1.05, min: 1, max: 1.1 });
    expect(renderReport(benchRun(ROWS))).toContain(
      "aws-jwt-verify's check of a fresh token costs 30 (20–40) µs inside a server (floorCheck − floor, within each round) and 25 (20–30) µs in a tight loop",
    );
    expect(renderReport(benchRun(ROWS))).toContain('plus the warm door: 0.99 (0.89–1.10); against the tight loop plus the warm door: 1.05 (1.00–1.10).');
    expect(() => doorFreshOverBudget({ ...benchRun(ROWS), doorAwsJwtVerifyAlone: [40] }, 'loop')).toThrow('have 2, 2 and 1 rounds');
  });

  it('prints nginx with and without auth_request, and the auth service CPU per proxied request beside the door', () => {
    expect(renderReport(benchRun(ROWS))).toContain('with auth_request to the door 1,000 req/s');
    expect(renderReport(benchRun(ROWS))).toContain('The auth service spent 75 µs of CPU per proxied request, against 65 µs per check asked of the door directly.');
  });

  it('holds the Lambda authorizer to /auth/verify warm and to 300 ms cold, and prints its bundle size', () => {
    const report = renderReport(benchRun(ROWS));
    // Medians: authorizer 100 µs over verify 100 µs; cold starts 240 ms, one of them over the ceiling.
    expect(report).toContain('| a warm Lambda authorizer invocation costs no more than /auth/verify (CPU: authorizerWarm ÷ verify, medians, ≤ 1) | 1.00 (1.00–1.00) | yes |');
    expect(report).toContain("| the Lambda authorizer's cold start ≤ 300 ms (authorizerColdStart, ms) | 240.00 (200.00–310.00) | yes |");
    expect(report).toContain('| bundle size, KB | 1,400 |');
    const slow = { ...benchRun(ROWS), authorizer: { warmCpu: [150, 150], coldStartMs: [400, 400, 400, 400, 400], bundleBytes: 1024 } };
    expect(targets(slow).filter((t) => t.label.includes('Lambda authorizer')).map(isMet)).toEqual([false, false]);
  });
});
