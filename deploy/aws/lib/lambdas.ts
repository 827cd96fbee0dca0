// The service's Lambda entry points (src/lambda/), each from its esbuild bundle, configured with the service's own
// variable names: the two pool triggers, the session-events target of an EventBridge rule, and the API Gateway authorizer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LambdaBundle } from './lambda-bundles';
import type { ApiUserPool } from './user-pool';

/** Environment variables, by the service's configuration names (src/config/config.ts). */
export type ServiceEnvironment = Record<string, string>;

/** Options of the functions. */
export interface ApiLambdasProps {
  /** Where `<bundle>/index.js` are: the root's `npm run build:lambdas` writes them to deploy/aws/lambda-bundles. */
  bundlesDir: string;
  /** The VPC whose private subnets reach Redis. */
  vpc: ec2.IVpc;
  /** The pool the triggers attach to and the authorizer accepts tokens of. */
  pool: ApiUserPool;
  /** The denylist settings the service has (REDIS_*, SESSION_TTL_SECONDS): the Lambdas write and read the same keys. */
  denylist: ServiceEnvironment;
  /** GROUP_SCOPES, as the service has it. */
  groupScopes: string;
}

/**
 * The calls whose CloudTrail events end a user's sessions: src/lambda/cognito-api-call.ts's SESSION_ENDING_CALLS (the
 * stack imports nothing from the service but the pool definition; the root's test holds the two lists equal).
 */
export const SESSION_ENDING_CALLS = [
  'AdminUserGlobalSignOut',
  'AdminDisableUser',
  'AdminDeleteUser',
  'AdminSetUserPassword',
  'AdminResetUserPassword',
  'GlobalSignOut',
  'ChangePassword',
  'DeleteUser',
];

/** The four functions. */
export class ApiLambdas extends Construct {
  /** The VPC functions' security group: Redis admits it. */
  readonly securityGroup: ec2.SecurityGroup;
  /** API Gateway Lambda authorizer (`dist/lambda/authorizer.handler`). */
  readonly authorizer: lambda.Function;
  /** Pre Token Generation trigger, event V2_0. */
  readonly preTokenGeneration: lambda.Function;
  /** Post Confirmation trigger. */
  readonly postConfirmation: lambda.Function;
  /** Target of the session-events rule. */
  readonly sessionEvents: lambda.Function;
  /** Where session-events puts an event it failed on after Lambda's retries. */
  readonly sessionEventsFailures: sqs.Queue;

  private readonly props: ApiLambdasProps;

  constructor(scope: Construct, id: string, props: ApiLambdasProps) {
    super(scope, id);
    this.props = props;
    const userPool = props.pool.userPool;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'The Lambdas that reach Redis (and Cognito, through the NAT gateway)',
    });
    const service = { COGNITO_USER_POOL_ID: userPool.userPoolId, ...props.denylist, LOG_LEVEL: 'info' };

    // Adds the scopes of the user's groups to the access token; no Redis, no VPC.
    this.preTokenGeneration = this.fn('pre-token-generation', {
      environment: { GROUP_SCOPES: props.groupScopes },
      timeout: Duration.seconds(5),
    });
    userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenGeneration, cognito.LambdaVersion.V2_0);

    // Cognito gives a trigger 5 s. The pool names this trigger by an ARN built from the function's name, not by a
    // reference to the function: the function's COGNITO_USER_POOL_ID refers to the pool, and a reference back would
    // make a cycle CloudFormation refuses. So the pool comes first, then the function, then Cognito's permission.
    const postConfirmationName = `${Stack.of(this).stackName}-post-confirmation`.slice(0, 64);
    this.postConfirmation = this.fn('post-confirmation', {
      functionName: postConfirmationName,
      environment: service,
      timeout: Duration.seconds(5),
      vpc: true,
    });
    const postConfirmationByName = lambda.Function.fromFunctionAttributes(this, 'PostConfirmationByName', {
      functionArn: Stack.of(this).formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: postConfirmationName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      // Cognito's permission goes on the function itself, below, so that it waits for the function.
      skipPermissions: true,
    });
    userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, postConfirmationByName);
    this.postConfirmation.addPermission('InvokedByCognito', {
      principal: new iam.ServicePrincipal('cognito-idp.amazonaws.com'),
      sourceArn: userPool.userPoolArn,
    });

    // EventBridge invokes it asynchronously: Lambda retries a thrown event twice, then hands it to the queue.
    this.sessionEventsFailures = new sqs.Queue(this, 'SessionEventsFailures', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.sessionEvents = this.fn('session-events', {
      environment: service,
      timeout: Duration.seconds(30),
      vpc: true,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.sessionEventsFailures),
    });
    // A record that names only a username is resolved with AdminGetUser.
    this.sessionEvents.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [userPool.userPoolArn] }),
    );
    new events.Rule(this, 'SessionEventsRule', {
      description: 'Cognito calls made without the service that end a user\'s sessions',
      eventPattern: {
        source: ['aws.cognito-idp'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['cognito-idp.amazonaws.com'],
          eventName: SESSION_ENDING_CALLS,
          errorCode: [{ exists: false }],
        },
      },
      targets: [new targets.LambdaFunction(this.sessionEvents)],
    });

    // The checks of a protected route: the login client's tokens and the machine-to-machine client's.
    this.authorizer = this.fn('authorizer', {
      environment: {
        ...service,
        COGNITO_CLIENT_ID: props.pool.loginClient.userPoolClientId,
        COGNITO_ALLOWED_CLIENT_IDS: props.pool.introspectionClient.userPoolClientId,
        GROUP_SCOPES: props.groupScopes,
      },
      timeout: Duration.seconds(10),
      memorySize: 512,
      vpc: true,
    });
  }

  /** A Node.js 24 function from `bundle`'s folder, logging to a log group of its own. */
  private fn(
    bundle: LambdaBundle,
    options: Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'vpc'> & { environment: ServiceEnvironment; vpc?: boolean },
  ): lambda.Function {
    const { vpc, ...rest } = options;
    const id = bundle.replace(/(^|-)(\w)/g, (_, _dash: string, letter: string) => letter.toUpperCase());
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: bundleCode(this.props.bundlesDir, bundle),
      handler: 'index.handler',
      memorySize: 256,
      logGroup,
      ...(vpc
        ? { vpc: this.props.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [this.securityGroup] }
        : {}),
      ...rest,
    });
  }
}

/** The bundle's folder as a Lambda asset; a missing bundle stops the synth with what to run. */
function bundleCode(bundlesDir: string, bundle: LambdaBundle): lambda.Code {
  const folder = path.join(bundlesDir, bundle);
  if (!existsSync(path.join(folder, 'index.js'))) {
    throw new Error(`${folder}/index.js is missing: run \`npm run build:lambdas\` at the repository root first`);
  }
  return lambda.Code.fromAsset(folder);
}
