// The sizing model: Redis memory, Redis operations and API cores for a number of daily users, from measured figures.
import type { Footprint } from './redis-footprint';

/** Assumptions of the sizing table; every other figure in it is measured by the run. */
export const SIZING = {
  protectedPerUserDay: 200,
  refreshesPerUserDay: 8,
  peakToAverage: 4,
  loginWindowSeconds: 900,
  sessionTtlDays: 30,
};

/** One line of the sizing table. */
export interface Sizing {
  dailyUsers: number;
  /** Redis bytes when each logout sends its refresh token (entries kept ≤ 1 day). */
  bestBytes: number;
  /** Redis bytes when no logout does (entries kept for the refresh token lifetime). */
  worstBytes: number;
  /** Redis commands per second at the peak. */
  opsPeak: number;
  /** Protected requests per second at the peak. */
  protectedPeak: number;
  /** API cores at 100 % for the peak's protected requests. */
  cores: number;
}

/** Sizing for `dailyUsers`, each logging in and out once a day, at `cpuMicrosPerRequest` per protected request. */
export function sizing(dailyUsers: number, footprint: Footprint, cpuMicrosPerRequest: number): Sizing {
  const perSecond = (perDay: number) => (perDay / 86_400) * SIZING.peakToAverage;
  // A logout that revokes its refresh token keeps its entry ≤ 1 day; one without, for the refresh token lifetime.
  const counters = perSecond(dailyUsers) * SIZING.loginWindowSeconds * footprint.rateLimitCounter;
  const perLogin = Math.max(0, footprint.loginAmazon);
  const bestBytes = dailyUsers * footprint.logout + dailyUsers * perLogin + counters;
  const worstBytes = SIZING.sessionTtlDays * dailyUsers * footprint.logout + dailyUsers * perLogin + counters;
  const protectedPeak = perSecond(dailyUsers * SIZING.protectedPerUserDay);
  // Redis commands: 1 MGET per protected request; a login 2 budget scripts; a refresh 1 budget script, 1 GET and
  // 1 MGET; a logout with its refresh token 1 GET and 2 SETs.
  const opsPeak = protectedPeak + perSecond(dailyUsers * (2 + 3 * SIZING.refreshesPerUserDay + 3));
  const cores = (protectedPeak * cpuMicrosPerRequest) / 1e6;
  return { dailyUsers, bestBytes, worstBytes, opsPeak, protectedPeak, cores };
}
