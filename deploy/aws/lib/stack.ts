// The whole of cognito-jwt-api on AWS: the user pool, a VPC with the denylist's Redis, the service on Fargate behind a
// load balancer, the Lambdas (triggers, session events, authorizer) and an example HTTP API behind the authorizer.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { APP_CLIENTS, GROUPS } from '../../../src/pool/pool-definition';
import { ApiService } from './api-service';
import { ExampleHttpApi } from './example-http-api';
import { ApiLambdas, type ServiceEnvironment } from './lambdas';
import { DenylistRedis } from './redis';
import { ApiUserPool } from './user-pool';

/** What a deployment chooses; bin/app.ts reads them from the CDK context. */
export interface CognitoJwtApiStackProps extends StackProps {
  /** PUBLIC_URL, `https://api.example.com`: a DNS name the team points at the load balancer. */
  publicUrl: string;
  /** ACM certificate for that name, in the stack's region. */
  certificateArn: string;
  /** Prefix of the pool's Cognito domain (hosted UI), unique in the region. */
  domainPrefix: string;
  /** Folder of the Lambda bundles (`<bundle>/index.js`). */
  lambdaBundlesDir: string;
  /**
   * Create a CloudTrail trail of the region's management write events, without which EventBridge gets no
   * "AWS API Call via CloudTrail" events. Default true; false where the account has such a trail already.
   */
  createTrail?: boolean;
}

/** The stack. */
export class CognitoJwtApiStack extends Stack {
  constructor(scope: Construct, id: string, props: CognitoJwtApiStackProps) {
    super(scope, id, props);
    if (!/^https:\/\/[^/?#]+$/.test(props.publicUrl)) throw new Error(`publicUrl must be https://<host>, not ${props.publicUrl}`);

    const pool = new ApiUserPool(this, 'UserPool', { publicUrl: props.publicUrl, domainPrefix: props.domainPrefix });

    // Two zones; one NAT gateway takes the tasks and the Lambdas to Cognito, ECR and CloudWatch.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    const redis = new DenylistRedis(this, 'Redis', { vpc });

    // The service's settings the Lambdas must share with it, or they write keys the service never reads.
    const denylist: ServiceEnvironment = {
      REDIS_CLUSTER_NODES: redis.clusterNodes,
      REDIS_TLS: 'true',
      REDIS_KEY_PREFIX: 'auth:',
      // Each primary has a replica in another zone: a logout is answered once that replica has it too, so a failover
      // loses none (README, "When Redis loses data").
      DENYLIST_MIN_REPLICAS: '1',
      // As long as the login client's refresh tokens live: a logout is remembered until its session could not go on.
      SESSION_TTL_SECONDS: String(APP_CLIENTS.login.tokenValidity.refreshTokenDays * 86_400),
    };
    const groupScopes = JSON.stringify(GROUPS);

    const lambdas = new ApiLambdas(this, 'Lambdas', { bundlesDir: props.lambdaBundlesDir, vpc, pool, denylist, groupScopes });
    const service = new ApiService(this, 'Service', {
      vpc,
      pool,
      publicUrl: props.publicUrl,
      certificateArn: props.certificateArn,
      denylist,
      groupScopes,
    });
    redis.admit(service.securityGroup, 'The API tasks');
    redis.admit(lambdas.securityGroup, 'The Lambdas');

    if (props.createTrail ?? true) {
      new cloudtrail.Trail(this, 'Trail', {
        managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
        isMultiRegionTrail: false,
        includeGlobalServiceEvents: false,
      });
    }

    const httpApi = new ExampleHttpApi(this, 'ExampleHttpApi', { authorizer: lambdas.authorizer, upstreamUrl: props.publicUrl });

    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: service.loadBalancer.loadBalancerDnsName,
      description: `Point ${new URL(props.publicUrl).hostname} here (CNAME or alias)`,
    });
    new CfnOutput(this, 'UserPoolId', { value: pool.userPool.userPoolId });
    new CfnOutput(this, 'LoginClientId', { value: pool.loginClient.userPoolClientId, description: 'COGNITO_CLIENT_ID' });
    new CfnOutput(this, 'IntrospectionClientId', { value: pool.introspectionClient.userPoolClientId });
    new CfnOutput(this, 'HostedUiDomain', { value: pool.domain.baseUrl(), description: 'COGNITO_DOMAIN' });
    new CfnOutput(this, 'ExampleHttpApiUrl', { value: httpApi.api.apiEndpoint });
  }
}
