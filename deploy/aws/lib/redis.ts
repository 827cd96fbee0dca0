// The denylist's store: ElastiCache for Valkey, cluster mode, TLS, in the VPC's private subnets, reachable only from
// the security groups it is told to admit.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';

/** Options of the cluster. */
export interface DenylistRedisProps {
  /** The VPC; the cluster sits in its private subnets. */
  vpc: ec2.IVpc;
  /** Node type; default `cache.t4g.small`. */
  nodeType?: string;
}

/** The port the cluster listens on. */
export const REDIS_PORT = 6379;

/** A Valkey cluster (cluster mode enabled) that must never evict: an evicted denylist entry is a logout undone. */
export class DenylistRedis extends Construct {
  /** Admits nobody until `admit` is called. */
  readonly securityGroup: ec2.SecurityGroup;
  /** REDIS_CLUSTER_NODES: the configuration endpoint, `host:port`. */
  readonly clusterNodes: string;
  /** The replication group. */
  readonly replicationGroup: elasticache.CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: DenylistRedisProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'The denylist Redis: port 6379 from the service and its Lambdas only',
      allowAllOutbound: false,
    });
    const subnets = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Private subnets of the denylist Redis',
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
    });
    const parameters = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: 'valkey8',
      description: 'Cluster mode, and no eviction: the denylist keys all carry a TTL, which volatile-lru would evict first',
      properties: { 'cluster-enabled': 'yes', 'maxmemory-policy': 'noeviction' },
    });
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Cluster', {
      replicationGroupDescription: 'cognito-jwt-api denylist',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      clusterMode: 'enabled',
      numNodeGroups: 1,
      replicasPerNodeGroup: 1,
      // A replica in another zone takes over when a primary fails; a daily snapshot survives the loss of both.
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: 7,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      port: REDIS_PORT,
      cacheSubnetGroupName: subnets.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
    });
    this.clusterNodes = `${this.replicationGroup.attrConfigurationEndPointAddress}:${this.replicationGroup.attrConfigurationEndPointPort}`;
  }

  /** Lets `peer` reach the cluster on its port, and nothing else. */
  admit(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(REDIS_PORT), description);
  }
}
