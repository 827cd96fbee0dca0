// The Lambda functions the stack deploys, by bundle: src/lambda/<name>.ts, which exports `handler`, bundled by the
// root's `npm run build:lambdas` into lambda-bundles/<name>/index.js. Plain data: the root's tests read it too.

/** The bundles, one per function. */
export const LAMBDA_BUNDLES = ['authorizer', 'post-confirmation', 'pre-token-generation', 'session-events'] as const;

/** One of LAMBDA_BUNDLES. */
export type LambdaBundle = (typeof LAMBDA_BUNDLES)[number];
