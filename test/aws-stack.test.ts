// The AWS stack (deploy/aws), synthesized offline by `cdk synth` and pinned with aws-cdk-lib/assertions: each resource
// issue 24 asks for, no IAM policy with `*` actions, the Lambdas and the service configured by the service's own
// variable names with the same values, and a Redis that nothing outside its two security groups can reach. Nothing is
// deployed. The first run on a fresh clone installs deploy/aws's dependencies (npm ci --prefix deploy/aws).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS } from '../src/config/config';
import { SESSION_ENDING_CALLS } from '../src/lambda/cognito-api-call';
import { APP_CLIENTS, GROUPS, RESOURCE_SERVERS, SCOPES } from '../src/pool/pool-definition';
import { LAMBDA_BUNDLES, type LambdaBundle } from '../deploy/aws/lib/lambda-bundles';
import { AWS_DIR, getAtt, ref, resourcesOf, synthesize, TEST_CONTEXT, theResource, type CfnResource, type Synthesized } from './support/aws-stack';

const ROOT = path.resolve(__dirname, '..');

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
}, 300_000);

const template = () => synth.template;
const props = (resource: CfnResource) => resource.Properties ?? {};
const idOf = (type: string, test?: (p: Record<string, unknown>) => boolean) => theResource(template(), type, test)[0];
const poolId = () => idOf('AWS::Cognito::UserPool');
const loginClientId = () => idOf('AWS::Cognito::UserPoolClient', (p) => p.ClientName === APP_CLIENTS.login.name);
const introspectionClientId = () => idOf('AWS::Cognito::UserPoolClient', (p) => p.ClientName === APP_CLIENTS.introspection.name);

/** The Lambda functions of the service, by bundle: the stub each one's asset holds names it. */
function functions(): Map<LambdaBundle, [string, Record<string, unknown>]> {
  const found = new Map<LambdaBundle, [string, Record<string, unknown>]>();
  for (const [id, resource] of resourcesOf(template(), 'AWS::Lambda::Function')) {
    const asset = (resource as CfnResource & { Metadata?: Record<string, string> }).Metadata?.['aws:asset:path'];
    if (!asset) continue;
    const code = path.join(synth.outdir, asset, 'index.js');
    const bundle = existsSync(code) ? /stub of ([\w-]+)/.exec(readFileSync(code, 'utf8'))?.[1] : undefined;
    if (bundle) found.set(bundle as LambdaBundle, [id, props(resource)]);
  }
  return found;
}
const fn = (bundle: LambdaBundle) => {
  const found = functions().get(bundle);
  if (!found) throw new Error(`no function of bundle ${bundle}`);
  return found;
};
const envOf = (bundle: LambdaBundle) => ((fn(bundle)[1].Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});

/** The API container's environment and secrets, by name. */
function container(): { environment: Record<string, unknown>; secrets: Record<string, unknown>; definition: Record<string, unknown> } {
  const [, task] = theResource(template(), 'AWS::ECS::TaskDefinition');
  const [definition] = task.ContainerDefinitions as Record<string, unknown>[];
  const pairs = (key: string, value: string) =>
    Object.fromEntries(((definition?.[key] ?? []) as Record<string, unknown>[]).map((entry) => [entry.Name as string, entry[value]]));
  return { environment: pairs('Environment', 'Value'), secrets: pairs('Secrets', 'ValueFrom'), definition: definition ?? {} };
}

/** Every policy statement of the template: IAM policies, roles' inline policies, resource policies (bucket, queue). */
function statements(): { where: string; Effect: string; Action: unknown }[] {
  const found: { where: string; Effect: string; Action: unknown }[] = [];
  const add = (where: string, document: unknown) => {
    for (const statement of ((document as { Statement?: { Effect: string; Action: unknown }[] } | undefined)?.Statement ?? [])) {
      found.push({ where, Effect: statement.Effect, Action: statement.Action });
    }
  };
  for (const [id, resource] of Object.entries(template().Resources)) {
    const p = props(resource);
    if (resource.Type === 'AWS::IAM::Role') {
      add(`${id} (assume role)`, p.AssumeRolePolicyDocument);
      for (const inline of (p.Policies ?? []) as { PolicyDocument: unknown }[]) add(`${id} (inline)`, inline.PolicyDocument);
    } else if ('PolicyDocument' in p) {
      add(`${id} (${resource.Type})`, p.PolicyDocument);
    }
  }
  return found;
}

/** The IAM actions the README's table says the service's role needs. */
function readmeIamActions(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Pointing it at a real Cognito pool'), readme.indexOf('## Accounts and MFA'));
  return [...section.matchAll(/^\| `(cognito-idp:\w+)` \|/gm)].map((match) => match[1]!);
}

describe('the user pool', () => {
  it('states the Essentials feature plan, keeps its users (deletion protection), and offers optional TOTP MFA', () => {
    synth.assertions.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'ESSENTIALS',
      DeletionProtection: 'ACTIVE',
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
    expect(template().Resources[poolId()]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('has one resource server per scope prefix, together defining exactly the scopes the API checks', () => {
    const servers = resourcesOf(template(), 'AWS::Cognito::UserPoolResourceServer').map(([, r]) => props(r));
    expect(servers.map((s) => s.Identifier).sort()).toEqual(RESOURCE_SERVERS.map((s) => s.identifier).sort());
    const scopes = servers.flatMap((s) => (s.Scopes as { ScopeName: string }[]).map((scope) => `${String(s.Identifier)}/${scope.ScopeName}`));
    expect(scopes.sort()).toEqual(Object.values(SCOPES).sort());
    expect(Object.values(SCOPES)).toEqual(expect.arrayContaining(['books/read', 'books/write', 'admin/users', 'auth/introspect']));
    for (const server of servers) expect(server.UserPoolId).toEqual(ref(poolId()));
  });

  it('has the groups of the pool definition', () => {
    const groups = resourcesOf(template(), 'AWS::Cognito::UserPoolGroup').map(([, r]) => props(r));
    expect(groups.map((g) => g.GroupName).sort()).toEqual(Object.keys(GROUPS).sort());
    for (const group of groups) expect(group.UserPoolId).toEqual(ref(poolId()));
  });

  it("has the login client: a secret, USER_PASSWORD_AUTH and refresh only, token revocation, no user existence errors, and the code flow back to Swagger UI's callback", () => {
    synth.assertions.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'api',
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      CallbackURLs: [`${TEST_CONTEXT.publicUrl}/docs/oauth2-redirect.html`],
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it('has the machine-to-machine client for introspection: client credentials, auth/introspect, a secret', () => {
    synth.assertions.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'introspection',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: [SCOPES.authIntrospect],
      EnableTokenRevocation: true,
    });
    // Asking for a scope needs the scope to exist: each client waits for every resource server.
    const servers = resourcesOf(template(), 'AWS::Cognito::UserPoolResourceServer').map(([id]) => id);
    for (const client of [loginClientId(), introspectionClientId()]) {
      expect(template().Resources[client]?.DependsOn).toEqual(expect.arrayContaining(servers));
    }
  });

  it('has a domain for the hosted UI, the prefix the deployment gave', () => {
    synth.assertions.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: TEST_CONTEXT.domainPrefix, UserPoolId: ref(poolId()) });
  });

  it('calls the Pre Token Generation trigger with event V2_0 and the Post Confirmation trigger, each allowed for this pool only', () => {
    const [preTokenId] = fn('pre-token-generation');
    const [, postConfirmation] = fn('post-confirmation');
    const [, pool] = theResource(template(), 'AWS::Cognito::UserPool');
    const triggers = pool.LambdaConfig as { PreTokenGenerationConfig: unknown; PostConfirmation: unknown };
    expect(triggers.PreTokenGenerationConfig).toEqual({ LambdaArn: getAtt(preTokenId, 'Arn'), LambdaVersion: 'V2_0' });
    // By name: the function refers to the pool (COGNITO_USER_POOL_ID), so a reference back would be a cycle.
    expect(JSON.stringify(triggers.PostConfirmation)).toContain(`:function:${String(postConfirmation.FunctionName)}`);
    // Cognito's permissions name the functions themselves, so each waits for its function.
    const permitted = resourcesOf(template(), 'AWS::Lambda::Permission')
      .map(([, r]) => props(r))
      .filter((p) => p.Principal === 'cognito-idp.amazonaws.com');
    expect(permitted).toEqual(
      [preTokenId, fn('post-confirmation')[0]].map((id) => ({
        Action: 'lambda:InvokeFunction',
        Principal: 'cognito-idp.amazonaws.com',
        FunctionName: getAtt(id, 'Arn'),
        SourceArn: getAtt(poolId(), 'Arn'),
      })),
    );
  });
});

describe('the Lambdas', () => {
  it('are the four entry points, each on Node.js 24 from its own bundle, handler index.handler', () => {
    expect([...functions().keys()].sort()).toEqual([...LAMBDA_BUNDLES].sort());
    for (const bundle of LAMBDA_BUNDLES) expect(fn(bundle)[1]).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
  });

  it("carry only the service's configuration names (src/config/config.ts)", () => {
    for (const bundle of LAMBDA_BUNDLES) {
      const names = Object.keys(envOf(bundle));
      expect([bundle, names.filter((name) => !CONFIG_KEYS.includes(name))]).toEqual([bundle, []]);
    }
    // Lambda sets AWS_REGION itself, and refuses a function that sets it.
    for (const bundle of LAMBDA_BUNDLES) expect(envOf(bundle)).not.toHaveProperty('AWS_REGION');
  });

  it("share the service's values for the pool, the denylist and the group scopes, or they would miss its keys", () => {
    const { environment } = container();
    const shared = ['COGNITO_USER_POOL_ID', 'REDIS_CLUSTER_NODES', 'REDIS_TLS', 'REDIS_KEY_PREFIX', 'SESSION_TTL_SECONDS'];
    for (const bundle of ['post-confirmation', 'session-events', 'authorizer'] as const) {
      for (const name of shared) expect([bundle, name, envOf(bundle)[name]]).toEqual([bundle, name, environment[name]]);
    }
    for (const bundle of ['pre-token-generation', 'authorizer'] as const) expect(envOf(bundle).GROUP_SCOPES).toBe(environment.GROUP_SCOPES);
    expect(JSON.parse(String(environment.GROUP_SCOPES))).toEqual(GROUPS);
    expect(environment.SESSION_TTL_SECONDS).toBe(String(APP_CLIENTS.login.tokenValidity.refreshTokenDays * 86_400));
    // The authorizer accepts what the service accepts: the login client's tokens and the introspection client's.
    expect(envOf('authorizer')).toMatchObject({
      COGNITO_CLIENT_ID: environment.COGNITO_CLIENT_ID,
      COGNITO_ALLOWED_CLIENT_IDS: environment.COGNITO_ALLOWED_CLIENT_IDS,
    });
    expect(envOf('pre-token-generation')).toEqual({ GROUP_SCOPES: environment.GROUP_SCOPES });
  });

  it('run in the private subnets when they reach Redis, in their own security group; the Pre Token Generation trigger needs no VPC', () => {
    const lambdaGroup = idOf('AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).startsWith('The Lambdas'));
    for (const bundle of ['post-confirmation', 'session-events', 'authorizer'] as const) {
      expect(fn(bundle)[1].VpcConfig).toMatchObject({ SecurityGroupIds: [getAtt(lambdaGroup, 'GroupId')] });
    }
    expect(fn('pre-token-generation')[1].VpcConfig).toBeUndefined();
  });

  it('give session-events the EventBridge rule of the calls that end sessions, two retries and a queue for what still fails', () => {
    const [sessionEvents] = fn('session-events');
    synth.assertions.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cognito-idp'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['cognito-idp.amazonaws.com'], eventName: [...SESSION_ENDING_CALLS], errorCode: [{ exists: false }] },
      },
      Targets: [synth.match.objectLike({ Arn: getAtt(sessionEvents, 'Arn') })],
    });
    const queue = idOf('AWS::SQS::Queue');
    synth.assertions.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(sessionEvents),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: getAtt(queue, 'Arn') } },
    });
    // EventBridge sees "AWS API Call via CloudTrail" events only when a trail records the region's write events.
    synth.assertions.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
    });
  });
});

describe('IAM', () => {
  it('grants no `*` action anywhere: policies, inline policies, resource policies (only Deny statements use one)', () => {
    const wildcards = statements().filter(({ Effect, Action }) => Effect === 'Allow' && [Action].flat().some((action) => String(action).includes('*')));
    expect(wildcards).toEqual([]);
    // The Denies: enforceSSL's "no request without TLS" on the trail's bucket and the failure queue.
    const denies = statements().filter(({ Effect }) => Effect === 'Deny');
    expect(denies.map(({ Action }) => Action).sort()).toEqual(['s3:*', 'sqs:*']);
  });

  it("gives the service's role exactly the Cognito actions the README's IAM table lists, on the pool only", () => {
    expect(readmeIamActions().sort()).toEqual([
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminUserGlobalSignOut',
      'cognito-idp:DescribeUserPoolClient',
    ]);
    const [, task] = theResource(template(), 'AWS::ECS::TaskDefinition');
    const taskRole = (task.TaskRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const [, policy] = theResource(template(), 'AWS::IAM::Policy', (p) => JSON.stringify(p.Roles) === JSON.stringify([ref(taskRole)]));
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: readmeIamActions().sort(), Resource: getAtt(poolId(), 'Arn') }],
    });
  });

  it('gives session-events AdminGetUser on the pool, and no Lambda of the service any other Cognito action', () => {
    const cognitoStatements = statements().filter(({ Action }) => [Action].flat().some((action) => String(action).startsWith('cognito-idp:')));
    const byPolicy = cognitoStatements.map(({ where, Action }) => [where.replace(/[0-9A-F]{8} .*$/, ''), Action]);
    expect(byPolicy.sort()).toEqual(
      [
        // CDK reads each client's secret once at deploy (a custom resource calling DescribeUserPoolClient).
        ['UserPoolIntrospectionClientDescribeCognitoUserPoolClientCustomResourcePolicy', 'cognito-idp:DescribeUserPoolClient'],
        ['UserPoolLoginClientDescribeCognitoUserPoolClientCustomResourcePolicy', 'cognito-idp:DescribeUserPoolClient'],
        ['LambdasSessionEventsServiceRoleDefaultPolicy', 'cognito-idp:AdminGetUser'],
        ['ServiceTaskTaskRoleDefaultPolicy', readmeIamActions().sort()],
      ].sort(),
    );
  });
});

describe('Redis', () => {
  const redisGroup = () => idOf('AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).startsWith('The denylist Redis'));

  it('is ElastiCache for Valkey in cluster mode, TLS required, encrypted at rest, replicated across zones, never evicting', () => {
    synth.assertions.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      ClusterMode: 'enabled',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      SecurityGroupIds: [getAtt(redisGroup(), 'GroupId')],
    });
    synth.assertions.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Properties: { 'cluster-enabled': 'yes', 'maxmemory-policy': 'noeviction' },
    });
    expect(container().environment.REDIS_TLS).toBe('true');
  });

  it("sits in the VPC's private subnets only", () => {
    const [, subnetGroup] = theResource(template(), 'AWS::ElastiCache::SubnetGroup');
    const subnets = subnetGroup.SubnetIds as { Ref: string }[];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const subnet of subnets) {
      const tags = (props(template().Resources[subnet.Ref]!).Tags ?? []) as { Key: string; Value: string }[];
      expect(tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Private' });
      expect(props(template().Resources[subnet.Ref]!).MapPublicIpOnLaunch).toBe(false);
    }
  });

  it('is not reachable from outside the VPC: 6379 only, from the service and the Lambdas, no address range at all', () => {
    const [, group] = theResource(template(), 'AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).startsWith('The denylist Redis'));
    expect(group.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(template(), 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => props(r))
      .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(getAtt(redisGroup(), 'GroupId')));
    const serviceGroup = idOf('AWS::EC2::SecurityGroup', (p) => p.GroupDescription === 'The API tasks');
    const lambdaGroup = idOf('AWS::EC2::SecurityGroup', (p) => String(p.GroupDescription).startsWith('The Lambdas'));
    expect(ingress.map((p) => p.SourceSecurityGroupId)).toEqual(
      expect.arrayContaining([getAtt(serviceGroup, 'GroupId'), getAtt(lambdaGroup, 'GroupId')]),
    );
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 });
      expect(rule).not.toHaveProperty('CidrIp');
      expect(rule).not.toHaveProperty('CidrIpv6');
    }
    // Nor is any rule of the template open to the internet, except the load balancer's 80 and 443.
    const open = Object.values(template().Resources).flatMap((r) => {
      const p = props(r);
      const rules = r.Type === 'AWS::EC2::SecurityGroup' ? ((p.SecurityGroupIngress ?? []) as Record<string, unknown>[]) : r.Type === 'AWS::EC2::SecurityGroupIngress' ? [p] : [];
      return rules.filter((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0').map((rule) => rule.FromPort);
    });
    expect(open.sort()).toEqual([443, 80]);
  });
});

describe('the service on Fargate', () => {
  it('runs the image built from the repository Dockerfile (staged at synth, built by cdk deploy), without tests or deploy/', () => {
    const manifest = JSON.parse(readFileSync(path.join(synth.outdir, 'CognitoJwtApi.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
    };
    const images = Object.entries(manifest.dockerImages);
    expect(images).toHaveLength(1);
    const [hash, image] = images[0]!;
    expect(image.source).toMatchObject({ dockerFile: 'Dockerfile', platform: 'linux/amd64' });
    const staged = readdirSync(path.join(synth.outdir, image.source.directory));
    expect(staged).toEqual(expect.arrayContaining(['Dockerfile', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'openapi.yaml']));
    for (const left of ['node_modules', 'deploy', 'test', 'dist', '.git']) expect(staged).not.toContain(left);
    expect(JSON.stringify(container().definition.Image)).toContain(hash);
  });

  it("is configured by the service's names, its secrets from Secrets Manager", () => {
    const { environment, secrets } = container();
    expect(Object.keys(environment).filter((name) => !CONFIG_KEYS.includes(name))).toEqual([]);
    expect(Object.keys(secrets).sort()).toEqual(['COGNITO_CLIENT_SECRET', 'INTROSPECTION_CLIENTS']);
    const secretIds = resourcesOf(template(), 'AWS::SecretsManager::Secret').map(([id]) => ref(id));
    for (const source of Object.values(secrets)) expect(secretIds).toContainEqual(source);
    expect(environment).toMatchObject({
      NODE_ENV: 'production',
      COGNITO_USER_POOL_ID: ref(poolId()),
      COGNITO_CLIENT_ID: ref(loginClientId()),
      COGNITO_ALLOWED_CLIENT_IDS: ref(introspectionClientId()),
      PUBLIC_URL: TEST_CONTEXT.publicUrl,
      TRUST_PROXY: '1',
      PORT: '3000',
    });
    // Secret values come from Cognito at deploy, never from the template.
    for (const [, secret] of resourcesOf(template(), 'AWS::SecretsManager::Secret')) {
      expect(JSON.stringify(props(secret).SecretString)).toMatch(/Fn::GetAtt.*DescribeCognitoUserPoolClient/);
    }
  });

  it('runs two tasks in the private subnets, no public address, behind an HTTPS load balancer that checks /readyz', () => {
    synth.assertions.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      NetworkConfiguration: { AwsvpcConfiguration: synth.match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      LoadBalancers: [synth.match.objectLike({ ContainerName: 'api', ContainerPort: 3000 })],
    });
    synth.assertions.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    synth.assertions.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
      Port: 3000,
      TargetType: 'ip',
    });
    synth.assertions.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: TEST_CONTEXT.certificateArn }],
    });
    synth.assertions.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [synth.match.objectLike({ Type: 'redirect', RedirectConfig: synth.match.objectLike({ Protocol: 'HTTPS', Port: '443' }) })],
    });
  });
});

describe('the example HTTP API', () => {
  it('sends every route through the Lambda authorizer: payload 2.0, simple responses, no result caching', () => {
    const [authorizerFn] = fn('authorizer');
    const authorizer = idOf('AWS::ApiGatewayV2::Authorizer');
    synth.assertions.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    synth.assertions.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerUri: synth.match.objectLike({ 'Fn::Join': synth.match.arrayWith([synth.match.arrayWith([getAtt(authorizerFn, 'Arn')])]) }),
    });
    const routes = resourcesOf(template(), 'AWS::ApiGatewayV2::Route').map(([, r]) => props(r));
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['DELETE /books/{id}', 'GET /books', 'POST /books']);
    for (const route of routes) expect(route).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: ref(authorizer) });
    synth.assertions.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: getAtt(authorizerFn, 'Arn'),
      Principal: 'apigateway.amazonaws.com',
    });
  });
});

describe('the synth', () => {
  it('runs an app that type-checks under its own tsconfig (the CLI runs it through tsx, which checks no types)', () => {
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const run = spawnSync(tsc, ['--noEmit', '-p', AWS_DIR], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, diagnostics: run.stdout }).toEqual({ status: 0, diagnostics: '' });
  }, 150_000);

  it("passes the CDK CLI's CloudFormation validation, and outputs what a team wires up", () => {
    const report = JSON.parse(readFileSync(path.join(synth.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    for (const output of ['LoadBalancerDnsName', 'UserPoolId', 'LoginClientId', 'IntrospectionClientId', 'HostedUiDomain', 'ExampleHttpApiUrl']) {
      expect(template().Outputs).toHaveProperty(output);
    }
  });
});
