// "User X's sessions end now": the one cut-off write behind a reset, an admin action or a Cognito event seen late.
import type { DenylistStore } from './denylist-store';

/** Options of endUserSessions. */
export interface EndSessionsOptions {
  /** How long the cut-off is remembered: the refresh token lifetime (SESSION_TTL_SECONDS). */
  ttlSeconds: number;
  /**
   * The second the sessions ended, epoch seconds, when it is already past: a CloudTrail record's `eventTime`, so a
   * login made between the call and its late event keeps working. Default, and upper bound: the current second.
   */
  at?: number;
  /** See RaiseCutoffOptions: true for a password change, whose caller the service itself may have spared. */
  keepSparedAtSameSecond?: boolean;
  /** Clock in epoch ms. */
  now?: () => number;
  /** Waits `ms`; replaceable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** What endUserSessions did. */
export interface EndedSessions {
  /** The cut-off second asked for: every token of the user authenticated at or before it is refused. */
  cutoff: number;
  /** False when a cut-off at or after it was already there and stays (see DenylistStore.raiseCutoff). */
  written: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Refuses, on every instance, every token of `sub` authenticated at or before the cut-off second, without lowering a
 * later cut-off already stored. Resolves once that second is over, as SignInService.logoutAll does: `auth_time` has
 * one-second resolution, so only then is a login made after the call sure to get a later `auth_time`, and work. That
 * costs at most 1 s when the cut-off is now, nothing when it is past. Rejects with TemporarilyUnavailableError
 * when the store can't be written; nothing is then ended.
 */
export async function endUserSessions(denylist: DenylistStore, sub: string, options: EndSessionsOptions): Promise<EndedSessions> {
  const now = options.now ?? Date.now;
  const cutoff = Math.min(options.at ?? Infinity, Math.floor(now() / 1000));
  const written = await denylist.raiseCutoff(sub, cutoff, options.ttlSeconds, {
    keepSparedAtSameSecond: options.keepSparedAtSameSecond,
  });
  const wait = (cutoff + 1) * 1000 - now();
  if (wait > 0) await (options.sleep ?? defaultSleep)(wait);
  return { cutoff, written };
}
