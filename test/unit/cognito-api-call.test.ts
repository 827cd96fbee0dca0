// Reading Cognito's CloudTrail events: which call, pool, user and second each one names, and which are skipped.
import adminSetPassword from '../fixtures/cloudtrail/admin-set-user-password-username-only.json';
import adminSignOut from '../fixtures/cloudtrail/admin-user-global-sign-out.json';
import noUser from '../fixtures/cloudtrail/admin-user-global-sign-out-no-user.json';
import otherPool from '../fixtures/cloudtrail/admin-disable-user-other-pool.json';
import changePassword from '../fixtures/cloudtrail/change-password.json';
import failedChange from '../fixtures/cloudtrail/change-password-failed.json';
import globalSignOut from '../fixtures/cloudtrail/global-sign-out.json';
import malformed from '../fixtures/cloudtrail/malformed.json';
import { readCognitoApiCall, SESSION_ENDING_CALLS } from '../../src/lambda/cognito-api-call';

const POOL = 'eu-west-1_AbCdEf123';
const SUB = '3f1c9a52-8d4e-4b7a-9f21-6c0e5d2b7a18';

/** A copy of a fixture with its record's fields changed. */
function withDetail(event: object, detail: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(event) as { detail: Record<string, unknown> };
  return { ...copy, detail: { ...copy.detail, ...detail } };
}

describe('readCognitoApiCall', () => {
  it('reads an admin call: pool from the request, sub from additionalEventData, the hidden username left out', () => {
    expect(readCognitoApiCall(adminSignOut)).toEqual({
      call: {
        eventName: 'AdminUserGlobalSignOut',
        eventId: 'a3b7e2c4-5d6f-4e8a-9b0c-1d2e3f4a5b6c',
        eventTime: Date.parse('2025-03-14T09:26:53Z') / 1000,
        userPoolId: POOL,
        sub: SUB,
        username: undefined,
      },
    });
  });

  it('reads the username of a record that carries no sub', () => {
    expect(readCognitoApiCall(adminSetPassword)).toMatchObject({ call: { eventName: 'AdminSetUserPassword', userPoolId: POOL, username: 'jane.doe', sub: undefined } });
  });

  it('reads a call made with an access token: the pool from additionalEventData, or none at all', () => {
    expect(readCognitoApiCall(globalSignOut)).toMatchObject({ call: { eventName: 'GlobalSignOut', userPoolId: POOL, sub: SUB } });
    expect(readCognitoApiCall(changePassword)).toMatchObject({ call: { eventName: 'ChangePassword', userPoolId: undefined, sub: SUB } });
  });

  it('reads the pool from a user pool ARN among the resources', () => {
    const event = withDetail(changePassword, { resources: [{ ARN: `arn:aws:cognito-idp:eu-west-1:123456789012:userpool/${POOL}` }] });
    expect(readCognitoApiCall(event)).toMatchObject({ call: { userPoolId: POOL } });
  });

  it('reads another pool as it is (the handler decides), and a record naming no user as naming none', () => {
    expect(readCognitoApiCall(otherPool)).toMatchObject({ call: { userPoolId: 'eu-west-1_ZyXwVu987', sub: SUB } });
    expect(readCognitoApiCall(noUser)).toMatchObject({ call: { userPoolId: POOL, sub: undefined, username: undefined } });
  });

  it.each(SESSION_ENDING_CALLS)('takes %s', (eventName) => {
    expect(readCognitoApiCall(withDetail(adminSignOut, { eventName }))).toMatchObject({ call: { eventName } });
  });

  it.each(['HIDDEN_DUE_TO_SECURITY_REASONS', 'HIDDEN_FOR_SECURITY_REASONS', '', 'two words', 42, null])('treats a sub of %p as absent', (sub) => {
    expect(readCognitoApiCall(withDetail(adminSignOut, { additionalEventData: { sub } }))).toMatchObject({ call: { sub: undefined } });
  });

  it('skips a failed call, and one that ends no session', () => {
    expect(readCognitoApiCall(failedChange)).toEqual({ skip: 'failed-call', detail: 'ChangePassword failed with NotAuthorizedException' });
    expect(readCognitoApiCall(withDetail(adminSignOut, { eventName: 'AdminGetUser' }))).toEqual({ skip: 'other-call', detail: 'AdminGetUser ends no session' });
    expect(readCognitoApiCall(withDetail(failedChange, { errorCode: '' }))).toHaveProperty('call');
  });

  it.each([
    ['the malformed fixture', malformed, 'detail.eventTime'],
    ['null', null, 'event'],
    ['a string', 'AdminDeleteUser', 'event'],
    ['an event of another source', { ...adminSignOut, source: 'my.app' }, 'source'],
    ['an event of another detail type', { ...adminSignOut, 'detail-type': 'AWS Console Sign In via CloudTrail' }, 'detail-type'],
    ['a record of another service', withDetail(adminSignOut, { eventSource: 'iam.amazonaws.com' }), 'detail.eventSource'],
    ['a record without a time', withDetail(adminSignOut, { eventTime: undefined }), 'detail.eventTime'],
  ])('skips %s as malformed, naming the field', (_case, event, field) => {
    const reading = readCognitoApiCall(event);
    expect(reading).toMatchObject({ skip: 'malformed' });
    expect((reading as { detail: string }).detail.startsWith(`${field}:`)).toBe(true);
  });
});
