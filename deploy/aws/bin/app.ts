// The CDK app: one stack, its choices from the context (`cdk deploy -c publicUrl=… -c certificateArn=… -c domainPrefix=…`).
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CognitoJwtApiStack } from '../lib/stack';

const app = new App();

/** A context value the deployment must give; the error names the flag. */
function required(key: string): string {
  const value: unknown = app.node.tryGetContext(key);
  if (typeof value !== 'string' || value === '') {
    throw new Error(`missing context: -c ${key}=… (see README, "On AWS: the stack as code")`);
  }
  return value;
}

const stackName: unknown = app.node.tryGetContext('stackName');
const bundles: unknown = app.node.tryGetContext('lambdaBundlesDir');
new CognitoJwtApiStack(app, typeof stackName === 'string' ? stackName : 'CognitoJwtApi', {
  description: 'cognito-jwt-api: Cognito user pool, denylist Redis, the API on Fargate, its Lambdas, an example HTTP API',
  publicUrl: required('publicUrl'),
  certificateArn: required('certificateArn'),
  domainPrefix: required('domainPrefix'),
  lambdaBundlesDir: typeof bundles === 'string' ? path.resolve(bundles) : path.join(__dirname, '../lambda-bundles'),
  createTrail: app.node.tryGetContext('createTrail') !== 'false',
  // The account and region `cdk deploy` runs with; unset (an environment-agnostic template) for a synth without them.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
