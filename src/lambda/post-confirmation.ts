// Post Confirmation Lambda trigger: a password reset confirmed anywhere (hosted UI, another app) ends the user's sessions.
import { endUserSessions, type EndSessionsOptions } from '../denylist/end-sessions';
import { deployedHandler, type LambdaRuntime } from './runtime';

/** The Post Confirmation event, as far as this trigger reads it (Cognito sends the common trigger fields too). */
export interface PostConfirmationEvent {
  /** `PostConfirmation_ConfirmForgotPassword` for a reset, `PostConfirmation_ConfirmSignUp` for a sign-up. */
  triggerSource: string;
  /** The pool the user belongs to. */
  userPoolId: string;
  /** The user's username. */
  userName: string;
  /** What Cognito knows of the user. */
  request: {
    /** The user's attributes, `sub` among them. */
    userAttributes: Record<string, string | undefined>;
  };
  /** Nothing is expected back in it. */
  response: Record<string, unknown>;
}

/** A handler of the trigger; it answers with the event, as Cognito expects. */
export type PostConfirmationHandler = (event: PostConfirmationEvent) => Promise<PostConfirmationEvent>;

/** Options of the handler. */
export interface PostConfirmationOptions {
  /** Clock and sleep of the cut-off write, for tests. */
  clock?: Pick<EndSessionsOptions, 'now' | 'sleep'>;
}

/**
 * Builds the trigger. On PostConfirmation_ConfirmForgotPassword it writes the user's cut-off at the current second
 * (endUserSessions), and answers only once that second is over: Cognito answers the reset after the trigger, so
 * every token issued before the reset is refused from then on, and a login with the new password works at once.
 * Sign-up confirmations, and events of another pool, are answered untouched.
 *
 * Fails open: when Redis can't be written within its bounds (about 1.5 s in all), the error is logged and the event
 * answered, so the reset completes without the cut-off. Throwing would fail the reset for the user, which leaves the
 * old password working (or, if Cognito has already stored the new one, only confuses the user); neither ends a
 * session. The log line names the user's sub, for an operator to end the sessions once Redis is back.
 */
export function createPostConfirmationHandler(runtime: LambdaRuntime, options: PostConfirmationOptions = {}): PostConfirmationHandler {
  const { config, logger } = runtime;
  return async (event) => {
    if (event?.triggerSource !== 'PostConfirmation_ConfirmForgotPassword') return event;
    if (event.userPoolId !== config.cognito.userPoolId) {
      logger.warn({ triggerSource: event.triggerSource }, 'post-confirmation: event of another user pool; nothing ended');
      return event;
    }
    const sub = event.request?.userAttributes?.sub;
    if (!sub) {
      logger.error({ triggerSource: event.triggerSource }, 'post-confirmation: the event carries no sub; nothing ended');
      return event;
    }
    try {
      const denylist = await runtime.denylist();
      const { cutoff } = await endUserSessions(denylist, sub, { ttlSeconds: config.sessionTtlSeconds, ...options.clock });
      logger.info({ sub, cutoff }, 'post-confirmation: password reset; earlier sessions ended');
    } catch (err) {
      logger.error({ sub, err }, 'post-confirmation: password reset, but its earlier sessions were NOT ended (Redis); end them once it is back');
    }
    return event;
  };
}

/**
 * The deployed handler (`dist/lambda/post-confirmation.handler`), the pool's Post Confirmation trigger. The
 * configuration is the service's own variables, read on the first invocation after a cold start.
 */
export const handler = deployedHandler((runtime) => createPostConfirmationHandler(runtime));
