// The Pre Token Generation trigger: scopes from groups inside the access token, which the API then honours alone.
import request from 'supertest';
import { parseGroupScopes } from '../src/config/group-scopes';
import {
  createPreTokenGenerationHandler,
  type PreTokenGenerationEvent,
} from '../src/lambda/pre-token-generation';
import { DEMO_GROUP_SCOPES } from '../src/dev/provision';
import { claimsOf, login, stack, TestFleet, users } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** A V2_0 event as Cognito sends it for a password sign-in (trimmed to what matters; Cognito sends more). */
function v2Event(groups: string[], scopes = ['aws.cognito.signin.user.admin'], version = '2'): PreTokenGenerationEvent {
  return {
    version,
    triggerSource: 'TokenGeneration_Authentication',
    request: { groupConfiguration: { groupsToOverride: groups }, scopes },
    response: { claimsAndScopeOverrideDetails: null },
  };
}

const trigger = createPreTokenGenerationHandler(parseGroupScopes(JSON.stringify(DEMO_GROUP_SCOPES)));

describe('the Pre Token Generation handler', () => {
  it('grants nothing for groups named like Object.prototype\'s members, and honours such a group when mapped', async () => {
    const plain = await trigger(v2Event(['__proto__', 'constructor', 'toString', 'hasOwnProperty']));
    expect(plain.response.claimsAndScopeOverrideDetails).toBeNull();
    const odd = createPreTokenGenerationHandler(parseGroupScopes('{"__proto__":["odd/scope"],"constructor":["c/scope"]}'));
    const event = await odd(v2Event(['__proto__', 'constructor']));
    expect(event.response.claimsAndScopeOverrideDetails).toEqual({ accessTokenGeneration: { scopesToAdd: ['odd/scope', 'c/scope'] } });
  });

  it('adds the scopes of the user\'s groups to the access token', async () => {
    const event = await trigger(v2Event(['editors']));
    expect(event.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { scopesToAdd: ['books/read', 'books/write'] },
    });
  });

  it('adds each scope once, and none the token already has', async () => {
    const event = await trigger(v2Event(['readers', 'editors'], ['books/read']));
    expect(event.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd).toEqual(['books/write']);
  });

  it('keeps overrides already in the response', async () => {
    const event = v2Event(['readers']);
    event.response.claimsAndScopeOverrideDetails = {
      idTokenGeneration: { claimsToAddOrOverride: { team: 'blue' } },
      accessTokenGeneration: { scopesToSuppress: ['aws.cognito.signin.user.admin'] },
    };
    expect((await trigger(event)).response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: { team: 'blue' } },
      accessTokenGeneration: { scopesToSuppress: ['aws.cognito.signin.user.admin'], scopesToAdd: ['books/read'] },
    });
  });

  it.each([
    ['a user in no mapped group', v2Event(['unmapped'])],
    ['a machine-to-machine token (no groups)', { ...v2Event([], ['api/read'], '3'), request: { scopes: ['api/read'] } }],
    ['a V1_0 event, which cannot change access tokens', v2Event(['editors'], [], '1')],
  ])('leaves the tokens alone for %s', async (_case, event) => {
    expect((await trigger(event)).response).toEqual({ claimsAndScopeOverrideDetails: null });
  });

  it('reads GROUP_SCOPES once at load, and refuses to load with a bad one', () => {
    const load = (value: string) => {
      process.env.GROUP_SCOPES = value;
      try {
        jest.isolateModules(() => require('../src/lambda/pre-token-generation'));
      } finally {
        delete process.env.GROUP_SCOPES;
      }
    };
    expect(() => load('{"editors":["books/write"]}')).not.toThrow();
    expect(() => load('not json')).toThrow('GROUP_SCOPES: must be a JSON object');
    expect(() => load('{"editors":["has space"]}')).toThrow('GROUP_SCOPES: editors.0: must be a scope without spaces or quotes');
  });
});

describe('an API that takes scopes from the token alone (GROUP_SCOPES={})', () => {
  it('grants what the trigger wrote into the token, and nothing for the same user without it', async () => {
    const api = await fleet.instance({ env: { GROUP_SCOPES: '{}' } });
    const issued = await login(api.app, users.editor);
    const claims = claimsOf(issued.access_token);
    const groups = claims['cognito:groups'] as string[];
    const scopes = String(claims.scope).split(' ');

    const without = await request(api.app).post('/books').set('Authorization', `Bearer ${issued.access_token}`).send({ title: 'T', author: 'A' });
    expect(without.status).toBe(403);
    expect(without.body.error).toBe('insufficient_scope');

    const event = await trigger(v2Event(groups, scopes));
    const added = event.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd ?? [];
    // Emulation, labelled: cognito-local runs only V1_0 (ID token) triggers, so the token Amazon Cognito would issue
    // with this response (same claims, scope extended) is signed here with the pool's key.
    const customized = mintAccessToken(stack.issuer, stack.clientId, { ...claims, scope: [...scopes, ...added].join(' ') });

    const allowed = await request(api.app).post('/books').set('Authorization', `Bearer ${customized}`).send({ title: 'T', author: 'A' });
    expect(allowed.status).toBe(201);
    const who = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${customized}`);
    expect(who.body.scopes).toEqual(['aws.cognito.signin.user.admin', 'books/read', 'books/write']);
  });
});
