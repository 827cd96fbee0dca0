// The service from the repository's Dockerfile on ECS Fargate, behind an internet-facing Application Load Balancer
// that checks /readyz; its secrets come from Secrets Manager, and its role may make only the Cognito calls it makes.
import path from 'node:path';
import { Duration, Fn, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ServiceEnvironment } from './lambdas';
import type { ApiUserPool } from './user-pool';

/** The repository's root: the Docker build context. */
const REPOSITORY_ROOT = path.resolve(__dirname, '../../..');

/** The port the service listens on (PORT). */
export const SERVICE_PORT = 3000;

/**
 * The IAM-authorized Cognito calls the service makes (README, "Pointing it at a real Cognito pool"): every other call
 * it makes is authorized by the client or the user's token.
 */
export const SERVICE_COGNITO_ACTIONS = [
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminUserGlobalSignOut',
  'cognito-idp:AdminDisableUser',
  // COGNITO_SIGN_IN_FLOW=auto reads the login client's flows at start-up.
  'cognito-idp:DescribeUserPoolClient',
];

/** Options of the service. */
export interface ApiServiceProps {
  /** The VPC; tasks run in its private subnets, the load balancer in its public ones. */
  vpc: ec2.IVpc;
  /** The pool and its clients. */
  pool: ApiUserPool;
  /** PUBLIC_URL: `https://…`, a DNS name pointed at the load balancer, covered by `certificateArn`. */
  publicUrl: string;
  /** ACM certificate of the HTTPS listener. */
  certificateArn: string;
  /** The denylist settings (REDIS_*, SESSION_TTL_SECONDS). */
  denylist: ServiceEnvironment;
  /** GROUP_SCOPES. */
  groupScopes: string;
  /** Tasks; default 2, so a logout is seen by more than one instance from the first day. */
  desiredCount?: number;
}

/** The service, its load balancer and its secrets. */
export class ApiService extends Construct {
  /** The tasks' security group: Redis admits it. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The Fargate service. */
  readonly service: ecs.FargateService;
  /** The load balancer; point the DNS name of PUBLIC_URL at it. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The tasks' role: the Cognito calls the service makes, on the pool. */
  readonly taskRole: iam.IRole;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    const { pool } = props;

    // The clients' secrets are Cognito's: read once at deploy (DescribeUserPoolClient), kept in Secrets Manager.
    const clientSecret = new secretsmanager.Secret(this, 'CognitoClientSecret', {
      description: 'COGNITO_CLIENT_SECRET: the login app client\'s secret',
      secretStringValue: pool.loginClient.userPoolClientSecret,
    });
    // RFC 7662 Basic credentials for a gateway: the introspection client's own id and secret (it may also use a Bearer
    // token it gets with them, scope auth/introspect). Add pairs for other callers with `id:secret,id:secret`.
    const introspectionClients = new secretsmanager.Secret(this, 'IntrospectionClients', {
      description: 'INTROSPECTION_CLIENTS: id:secret pairs that may call POST /auth/introspect with HTTP Basic',
      // Not plaintext in the template: a join of the client's id and Cognito's answer for its secret (resourceAttribute()
      // takes one attribute only, no join of two).
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join(':', [pool.introspectionClient.userPoolClientId, pool.introspectionClient.userPoolClientSecret.unsafeUnwrap()]),
      ),
    });

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskRole = task.taskRole;
    task.addToTaskRolePolicy(new iam.PolicyStatement({ actions: SERVICE_COGNITO_ACTIONS, resources: [pool.userPool.userPoolArn] }));

    const environment: ServiceEnvironment = {
      NODE_ENV: 'production',
      PORT: String(SERVICE_PORT),
      AWS_REGION: pool.userPool.stack.region,
      COGNITO_USER_POOL_ID: pool.userPool.userPoolId,
      COGNITO_CLIENT_ID: pool.loginClient.userPoolClientId,
      COGNITO_ALLOWED_CLIENT_IDS: pool.introspectionClient.userPoolClientId,
      COGNITO_DOMAIN: pool.domain.baseUrl(),
      PUBLIC_URL: props.publicUrl,
      // One hop: the load balancer. The client IP (rate limits) is then the one it saw.
      TRUST_PROXY: '1',
      ...props.denylist,
      GROUP_SCOPES: props.groupScopes,
      LOG_LEVEL: 'info',
    };
    task.addContainer('api', {
      // Staged at synth from the repository (its .dockerignore applies), built by `cdk deploy`.
      image: ecs.ContainerImage.fromAsset(REPOSITORY_ROOT, {
        file: 'Dockerfile',
        platform: Platform.LINUX_AMD64,
        exclude: ['deploy', '.local', 'coverage', '*.log'],
      }),
      portMappings: [{ containerPort: SERVICE_PORT }],
      environment,
      secrets: {
        COGNITO_CLIENT_SECRET: ecs.Secret.fromSecretsManager(clientSecret),
        INTROSPECTION_CLIENTS: ecs.Secret.fromSecretsManager(introspectionClients),
      },
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'api',
        logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      }),
      // The service closes its server and Redis on SIGTERM; the load balancer stops sending first (deregistration).
      stopTimeout: Duration.seconds(30),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: props.vpc, description: 'The API tasks' });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: props.desiredCount ?? 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      healthCheckGracePeriod: Duration.seconds(30),
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      dropInvalidHeaderFields: true,
    });
    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
    https.addTargets('Api', {
      port: SERVICE_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      // Ready means Redis answers and the signing keys are loaded: a task that can't check a logout gets no traffic.
      healthCheck: { path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15), healthyThresholdCount: 2 },
      deregistrationDelay: Duration.seconds(30),
    });
    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
  }
}
