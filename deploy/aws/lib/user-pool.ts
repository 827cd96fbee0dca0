// The user pool as the pool definition (src/pool/pool-definition.ts) has it: settings, resource servers, groups,
// app clients and their flows, and a domain for the hosted UI. The demo users stay local.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import {
  APP_CLIENTS,
  callbackUrls,
  logoutUrls,
  GROUPS,
  POOL,
  RESOURCE_SERVERS,
  type AppClientDefinition,
} from '../../../src/pool/pool-definition';

/** Options of the pool. */
export interface UserPoolProps {
  /** The API's external base URL, `https://…`: Swagger UI's callback URL is on it. */
  publicUrl: string;
  /** Prefix of the Cognito domain, `<prefix>.auth.<region>.amazoncognito.com`; unique in the region. */
  domainPrefix: string;
}

/** The pool and what the service and the Lambdas are configured with. */
export class ApiUserPool extends Construct {
  /** The pool. */
  readonly userPool: cognito.UserPool;
  /** COGNITO_CLIENT_ID: the login client (secret, password flow, refresh, code flow for Swagger UI). */
  readonly loginClient: cognito.UserPoolClient;
  /** The machine-to-machine client for introspection (client credentials, `auth/introspect`). */
  readonly introspectionClient: cognito.UserPoolClient;
  /** The hosted UI's domain. */
  readonly domain: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Pool', {
      // Access token customization (the Pre Token Generation trigger's V2_0 event) needs Essentials or Plus.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      signInAliases: { username: true },
      selfSignUpEnabled: POOL.selfSignUp,
      autoVerify: { email: POOL.autoVerifiedAttributes.includes('email') },
      mfa: cognito.Mfa[POOL.mfa],
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: recovery(POOL.accountRecovery),
      // The users live here: a stack deleted by mistake must not take them along.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const servers = RESOURCE_SERVERS.map((server) =>
      this.userPool.addResourceServer(`ResourceServer-${server.identifier}`, {
        identifier: server.identifier,
        userPoolResourceServerName: server.name,
        scopes: server.scopes.map((s) => new cognito.ResourceServerScope({ scopeName: s.name, scopeDescription: s.description })),
      }),
    );

    for (const group of Object.keys(GROUPS)) {
      this.userPool.addGroup(`Group-${group}`, { groupName: group, description: `Grants ${GROUPS[group]?.join(', ')}` });
    }

    const client = (id: string, definition: AppClientDefinition): cognito.UserPoolClient => {
      const created = appClient(this.userPool, id, definition, props.publicUrl);
      // A client may ask only for scopes that exist when it is created.
      for (const server of servers) created.node.addDependency(server);
      return created;
    };
    this.loginClient = client('LoginClient', APP_CLIENTS.login);
    this.introspectionClient = client('IntrospectionClient', APP_CLIENTS.introspection);

    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
  }
}

/** An app client exactly as its definition says. */
function appClient(pool: cognito.UserPool, id: string, definition: AppClientDefinition, publicUrl: string): cognito.UserPoolClient {
  const { oauth, tokenValidity } = definition;
  const client = pool.addClient(id, {
    userPoolClientName: definition.name,
    generateSecret: definition.generateSecret,
    enableTokenRevocation: definition.enableTokenRevocation,
    preventUserExistenceErrors: definition.preventUserExistenceErrors,
    accessTokenValidity: Duration.minutes(tokenValidity.accessTokenMinutes),
    idTokenValidity: Duration.minutes(tokenValidity.idTokenMinutes),
    refreshTokenValidity: Duration.days(tokenValidity.refreshTokenDays),
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    disableOAuth: oauth === undefined,
    oAuth: oauth && {
      flows: {
        authorizationCodeGrant: oauth.flows.includes('code'),
        clientCredentials: oauth.flows.includes('client_credentials'),
        implicitCodeGrant: false,
      },
      scopes: oauth.scopes.map((scope) => cognito.OAuthScope.custom(scope)),
      callbackUrls: oauth.flows.includes('code') ? callbackUrls(definition, [publicUrl]) : undefined,
      logoutUrls: oauth.flows.includes('code') ? logoutUrls(definition, [publicUrl]) : undefined,
    },
  });
  // The construct adds ALLOW_REFRESH_TOKEN_AUTH to any flow it is given and leaves Cognito's defaults (SRP, custom auth)
  // when given none: the definition's list goes to CloudFormation as it is.
  (client.node.defaultChild as cognito.CfnUserPoolClient).explicitAuthFlows = [...definition.authFlows];
  return client;
}

function recovery(mechanism: typeof POOL.accountRecovery): cognito.AccountRecovery {
  switch (mechanism) {
    case 'verified_email':
      return cognito.AccountRecovery.EMAIL_ONLY;
  }
}
