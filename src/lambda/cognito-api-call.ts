// Reads an EventBridge "AWS API Call via CloudTrail" event of Cognito: which call, which pool, which user, when.
import { z } from 'zod';

/** The calls after which a user's earlier tokens must be refused (the EventBridge rule matches these names). */
export const SESSION_ENDING_CALLS = [
  'AdminUserGlobalSignOut',
  'AdminDisableUser',
  'AdminDeleteUser',
  'AdminSetUserPassword',
  'AdminResetUserPassword',
  'GlobalSignOut',
  'ChangePassword',
  'DeleteUser',
] as const;

/** One of SESSION_ENDING_CALLS. */
export type SessionEndingCall = (typeof SESSION_ENDING_CALLS)[number];

/**
 * The calls a user makes with an access token. Their records name the user by `sub` only (the token itself is
 * hidden), and need not name the pool; the admin calls always carry `userPoolId` in their request parameters.
 */
export const ACCESS_TOKEN_CALLS: ReadonlySet<SessionEndingCall> = new Set(['GlobalSignOut', 'ChangePassword', 'DeleteUser']);

/** What a record says about one call. */
export interface CognitoApiCall {
  /** The operation. */
  eventName: SessionEndingCall;
  /** CloudTrail's id of the record, for the log. */
  eventId?: string;
  /** When Cognito handled the call, epoch seconds (CloudTrail's `eventTime` has one-second resolution). */
  eventTime: number;
  /** The pool the record names, if it names one. */
  userPoolId?: string;
  /** The user's `sub`, from `additionalEventData.sub`, when the record carries it. */
  sub?: string;
  /** The username of the request, when the record carries it and does not hide it. */
  username?: string;
}

/** Why an event is not acted on. */
export type SkipReason = 'malformed' | 'other-call' | 'failed-call';

/** The outcome of reading an event: the call, or why it is skipped. */
export type Reading = { call: CognitoApiCall } | { skip: SkipReason; detail: string };

/** Cognito's marker for a value CloudTrail must not show; the docs also spell it HIDDEN_FOR_SECURITY_REASONS. */
const HIDDEN = /^HIDDEN_(DUE_TO|FOR)_SECURITY_REASONS$/;

/** A value that names something: a string, not empty, not hidden, no whitespace (subs, usernames and pool ids have none). */
function named(value: unknown): string | undefined {
  return typeof value === 'string' && /^\S{1,128}$/.test(value) && !HIDDEN.test(value) ? value : undefined;
}

const fields = z.record(z.string(), z.unknown()).nullish();

const apiCallEvent = z.object({
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  // Only AWS can put events with an `aws.` source on a bus: a look-alike from PutEvents is refused here.
  source: z.literal('aws.cognito-idp'),
  resources: z.array(z.unknown()).nullish(),
  detail: z.object({
    eventSource: z.literal('cognito-idp.amazonaws.com'),
    eventName: z.string(),
    eventTime: z.iso.datetime({ offset: true }),
    eventID: z.string().optional(),
    errorCode: z.string().nullish(),
    requestParameters: fields,
    additionalEventData: fields,
    resources: z.array(z.object({ ARN: z.string().optional() }).loose()).nullish(),
  }),
});

/** The pool id at the end of a user pool ARN (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`). */
function poolOfArn(arn: unknown): string | undefined {
  return typeof arn === 'string' ? named(/^arn:[\w-]+:cognito-idp:[^:]*:[^:]*:userpool\/(.+)$/.exec(arn)?.[1]) : undefined;
}

/**
 * Reads `event` (anything: it is checked here). A record of a failed call is skipped: CloudTrail records those too,
 * and a wrong current password at ChangePassword must end nothing.
 */
export function readCognitoApiCall(event: unknown): Reading {
  const parsed = apiCallEvent.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { skip: 'malformed', detail: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}` };
  }
  const { detail, resources } = parsed.data;
  const eventName = SESSION_ENDING_CALLS.find((name) => name === detail.eventName);
  if (!eventName) return { skip: 'other-call', detail: `${detail.eventName} ends no session` };
  if (detail.errorCode) return { skip: 'failed-call', detail: `${eventName} failed with ${detail.errorCode}` };

  const request = detail.requestParameters ?? {};
  const additional = detail.additionalEventData ?? {};
  const arns = [...(detail.resources ?? []).map((resource) => resource.ARN), ...(resources ?? [])];
  return {
    call: {
      eventName,
      eventId: detail.eventID,
      eventTime: Math.floor(Date.parse(detail.eventTime) / 1000),
      userPoolId: named(request.userPoolId) ?? named(additional.userPoolId) ?? arns.map(poolOfArn).find(Boolean),
      sub: named(additional.sub),
      username: named(request.username),
    },
  };
}
