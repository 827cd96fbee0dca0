// EventBridge target: Cognito calls made without this service (console, CLI, other apps) end the sessions of the user named.
import { CognitoClient } from '../cognito/cognito-client';
import { SdkUserLookup, type UserLookup } from '../cognito/sdk-user-lookup';
import { endUserSessions, type EndSessionsOptions } from '../denylist/end-sessions';
import { ACCESS_TOKEN_CALLS, readCognitoApiCall, type SessionEndingCall, type SkipReason } from './cognito-api-call';
import { deployedHandler, type LambdaRuntime } from './runtime';

/** What one event came to; the handler's result (EventBridge discards it; tests and logs read it). */
export type SessionEventOutcome =
  | {
      /** Every token of `sub` authenticated at or before `cutoff` is refused from now on. */
      ended: true;
      /** The call the event records. */
      eventName: SessionEndingCall;
      /** The user. */
      sub: string;
      /** The cut-off second: the call's `eventTime`. */
      cutoff: number;
    }
  | {
      /** Nothing was written: the event can't be acted on, and would not be on a retry either. */
      ended: false;
      /** Why (also in the log line). */
      reason: SkipReason | 'other-pool' | 'no-user' | 'unknown-user';
    };

/** A handler of the events. */
export type SessionEventsHandler = (event: unknown) => Promise<SessionEventOutcome>;

/** Options of the handler. */
export interface SessionEventsOptions {
  /** Finds the sub of a record that names only a username; default: AdminGetUser through the service's Cognito client. */
  users?: UserLookup;
  /** Clock and sleep of the cut-off write, for tests. */
  clock?: Pick<EndSessionsOptions, 'now' | 'sleep'>;
}

/**
 * Builds the handler. Each event is read, checked against the pool, and its user's cut-off raised to the call's
 * `eventTime` (endUserSessions: never lowered, so an event seen late undoes no later logout-all, and a login made
 * after the call survives its event).
 *
 * - What the event says decides a skip: malformed, another call or a failed one, another pool, no user named, a
 *   username the pool doesn't have. Those are logged and answered, never thrown: a retry would read the same event.
 * - What the handler depends on failing (Redis unreachable, Cognito throttling or refusing AdminGetUser) is thrown.
 *   Lambda then retries the asynchronous invocation (twice by default, minutes apart) and hands the event to the
 *   function's on-failure destination or dead-letter queue: a transient outage heals, a lasting one keeps the event
 *   for a redrive. Swallowing it would leave the user's tokens working with no trace but a log line.
 */
export function createSessionEventsHandler(runtime: LambdaRuntime, options: SessionEventsOptions = {}): SessionEventsHandler {
  const { config, logger } = runtime;
  const users = options.users ?? new SdkUserLookup(new CognitoClient(config.cognito));
  return async (event) => {
    const reading = readCognitoApiCall(event);
    if ('skip' in reading) {
      logger[reading.skip === 'malformed' ? 'warn' : 'info']({ reason: reading.skip, detail: reading.detail }, 'session-events: event skipped');
      return { ended: false, reason: reading.skip };
    }
    const { call } = reading;
    const context = { eventName: call.eventName, eventId: call.eventId };
    const skip = (reason: 'malformed' | 'other-pool' | 'no-user' | 'unknown-user', message: string): SessionEventOutcome => {
      logger[reason === 'other-pool' ? 'info' : 'warn']({ ...context, reason }, `session-events: event skipped: ${message}`);
      return { ended: false, reason };
    };

    if (call.userPoolId !== undefined && call.userPoolId !== config.cognito.userPoolId) {
      return skip('other-pool', 'the call was made on another user pool');
    }
    // An admin call always names its pool. A call made with an access token may not: its sub, a UUID unique to one
    // user of one pool, is then enough, since a cut-off for a user of another pool touches no token this service takes.
    if (call.userPoolId === undefined && !ACCESS_TOKEN_CALLS.has(call.eventName)) {
      return skip('malformed', 'an admin call that names no user pool');
    }
    try {
      let sub = call.sub;
      if (sub === undefined) {
        if (call.username === undefined || call.userPoolId === undefined) return skip('no-user', 'the record names no user');
        const found = await users.subOf(call.username);
        if (found === null) return skip('unknown-user', 'the pool has no user of that username (deleted already?)');
        sub = found;
      }
      const denylist = await runtime.denylist();
      const { cutoff, written } = await endUserSessions(denylist, sub, {
        ttlSeconds: config.sessionTtlSeconds,
        at: call.eventTime,
        keepSparedAtSameSecond: call.eventName === 'ChangePassword',
        ...options.clock,
      });
      logger.info({ ...context, sub, cutoff, written }, 'session-events: sessions ended');
      return { ended: true, eventName: call.eventName, sub, cutoff };
    } catch (err) {
      logger.error({ ...context, err }, 'session-events: sessions not ended; thrown for Lambda to retry the event');
      throw err;
    }
  };
}

/**
 * The deployed handler (`dist/lambda/session-events.handler`): an EventBridge rule's target for Cognito's CloudTrail
 * events. The configuration is the service's own variables, read on the first invocation after a cold start.
 */
export const handler = deployedHandler((runtime) => createSessionEventsHandler(runtime));
