// One pool definition (issue 24.3): the pool `npm run dev` provisions in cognito-local and the one the AWS stack
// declares have the same settings, groups, clients, flows, scopes and token lifetimes. The local side is read back from
// the suite's cognito-local (a pool provisioned as `npm run dev` does it), the AWS side from `cdk synth`'s template.
import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { DEMO_GROUP_SCOPES, devBaseUrls, localAdminClient, provisionLocalPool } from '../src/dev/provision';
import { APP_CLIENTS, SCOPES } from '../src/pool/pool-definition';
import { resourcesOf, synthesize, theResource, type CfnTemplate } from './support/aws-stack';
import { stack } from './support/stack';

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/** What must agree between the two sides, in one shape: CloudFormation's properties and Cognito's API share names. */
function clientShape(client: UserPoolClientType & { GenerateSecret?: boolean }) {
  const seconds = (value: number | undefined, unit: string | undefined) => (value ?? 0) * (UNIT_SECONDS[unit ?? ''] ?? Number.NaN);
  const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort();
  return {
    secret: client.GenerateSecret ?? client.ClientSecret !== undefined,
    explicitAuthFlows: sorted(client.ExplicitAuthFlows),
    oauthClient: client.AllowedOAuthFlowsUserPoolClient ?? false,
    oauthFlows: sorted(client.AllowedOAuthFlows),
    oauthScopes: sorted(client.AllowedOAuthScopes),
    identityProviders: sorted(client.SupportedIdentityProviders),
    tokenRevocation: client.EnableTokenRevocation,
    preventUserExistenceErrors: client.PreventUserExistenceErrors,
    accessTokenSeconds: seconds(client.AccessTokenValidity, client.TokenValidityUnits?.AccessToken),
    idTokenSeconds: seconds(client.IdTokenValidity, client.TokenValidityUnits?.IdToken),
    refreshTokenSeconds: seconds(client.RefreshTokenValidity, client.TokenValidityUnits?.RefreshToken),
    // The hosts differ (localhost here, PUBLIC_URL there); the paths the code comes back to may not.
    callbackPaths: [...new Set((client.CallbackURLs ?? []).map((url) => new URL(url).pathname))].sort(),
  };
}

let template: CfnTemplate;
let local: {
  pool: Record<string, unknown>;
  groups: string[];
  clients: Map<string, UserPoolClientType>;
};

beforeAll(async () => {
  template = synthesize().template;
  // As `npm run dev` provisions its pool (src/dev/dev.ts), under a name of its own in the suite's cognito-local.
  const endpoint = stack.endpoint;
  const provisioned = await provisionLocalPool(endpoint, { poolName: 'pool-definition-test', callbackBaseUrls: devBaseUrls('3000', '3001') });
  const cognito = localAdminClient(endpoint);
  const UserPoolId = provisioned.userPoolId;
  const described = await cognito.send(new DescribeUserPoolCommand({ UserPoolId }));
  const groups = await cognito.send(new ListGroupsCommand({ UserPoolId }));
  const listed = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId, MaxResults: 60 }));
  const clients = new Map<string, UserPoolClientType>();
  for (const { ClientId } of listed.UserPoolClients ?? []) {
    const client = (await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId, ClientId }))).UserPoolClient;
    if (client?.ClientName) clients.set(client.ClientName, client);
  }
  local = {
    pool: (described.UserPool ?? {}) as Record<string, unknown>,
    groups: (groups.Groups ?? []).map((group) => group.GroupName ?? ''),
    clients,
  };
}, 300_000);

describe('the pool npm run dev provisions and the pool the AWS stack declares', () => {
  it('have the same groups', () => {
    const aws = resourcesOf(template, 'AWS::Cognito::UserPoolGroup').map(([, r]) => String(r.Properties?.GroupName));
    expect(local.groups.sort()).toEqual(aws.sort());
    expect(aws.length).toBeGreaterThan(0);
  });

  it('have the same app clients, with the same secrets, flows, scopes, callback paths, token lifetimes and token revocation', () => {
    const aws = new Map(
      resourcesOf(template, 'AWS::Cognito::UserPoolClient').map(([, r]) => [String(r.Properties?.ClientName), r.Properties as UserPoolClientType]),
    );
    // The SRP client is the local stack's own (npm run dev -- --client srp), to try the flows a team's pool may have.
    const deployed = [...local.clients.keys()].filter((name) => name !== APP_CLIENTS.srp.name);
    expect(deployed.sort()).toEqual([...aws.keys()].sort());
    for (const [name, client] of aws) {
      expect([name, clientShape(local.clients.get(name) ?? {})]).toEqual([name, clientShape(client)]);
    }
    // Not vacuous: the login client has a secret, the password flow and the code flow on Swagger UI's callback.
    expect(clientShape(aws.get('api') ?? {})).toMatchObject({
      secret: true,
      explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH'],
      oauthFlows: ['code'],
      tokenRevocation: true,
      callbackPaths: ['/docs/oauth2-redirect.html'],
    });
  });

  it("grant the same scopes: GROUP_SCOPES of npm run dev is the stack's, and every custom scope a client asks for exists there", () => {
    const [, task] = theResource(template, 'AWS::ECS::TaskDefinition');
    const environment = (task.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[])[0]?.Environment ?? [];
    const groupScopes = environment.find((variable) => variable.Name === 'GROUP_SCOPES')?.Value;
    expect(JSON.parse(String(groupScopes))).toEqual(DEMO_GROUP_SCOPES);
    // cognito-local has no resource servers; the stack's define the API's scopes.
    const defined = resourcesOf(template, 'AWS::Cognito::UserPoolResourceServer').flatMap(([, r]) =>
      (r.Properties?.Scopes as { ScopeName: string }[]).map((scope) => `${String(r.Properties?.Identifier)}/${scope.ScopeName}`),
    );
    expect(defined.sort()).toEqual(Object.values(SCOPES).sort());
    const asked = [...local.clients.values()].flatMap((client) => client.AllowedOAuthScopes ?? []).filter((scope) => scope.includes('/'));
    expect(asked.length).toBeGreaterThan(0);
    expect(defined).toEqual(expect.arrayContaining(asked));
  });

  it('have the same pool settings: self sign-up, email verification, optional MFA, recovery by email', () => {
    const [, aws] = theResource(template, 'AWS::Cognito::UserPool');
    const settings = (pool: Record<string, unknown>) => ({
      selfSignUp: (pool.AdminCreateUserConfig as { AllowAdminCreateUserOnly?: boolean } | undefined)?.AllowAdminCreateUserOnly === false,
      autoVerified: pool.AutoVerifiedAttributes,
      mfa: pool.MfaConfiguration,
      recovery: pool.AccountRecoverySetting,
    });
    expect(settings(local.pool)).toEqual(settings(aws));
    expect(settings(aws)).toMatchObject({ selfSignUp: true, autoVerified: ['email'], mfa: 'OPTIONAL' });
  });
});
