// An example API Gateway HTTP API whose every route goes through the Lambda authorizer: the service's checks, logouts
// included, in front of whatever the routes reach (here the service's own /books, through its public URL).
import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Options of the API. */
export interface ExampleHttpApiProps {
  /** The authorizer function. */
  authorizer: lambda.IFunction;
  /** Where the routes lead: a base URL whose paths mirror the routes'. */
  upstreamUrl: string;
}

/** The routes of the example, each behind the authorizer. */
export const EXAMPLE_ROUTES: readonly { method: apigwv2.HttpMethod; path: string }[] = [
  { method: apigwv2.HttpMethod.GET, path: '/books' },
  { method: apigwv2.HttpMethod.POST, path: '/books' },
  { method: apigwv2.HttpMethod.DELETE, path: '/books/{id}' },
];

/** The HTTP API. */
export class ExampleHttpApi extends Construct {
  /** The API. */
  readonly api: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: ExampleHttpApiProps) {
    super(scope, id);
    const authorizer = new HttpLambdaAuthorizer('Authorizer', props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // No caching: a cached answer would let a logged-out token through for the cache's lifetime.
      resultsCacheTtl: Duration.seconds(0),
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new apigwv2.HttpApi(this, 'Api', { description: 'Example: routes behind the cognito-jwt-api authorizer', defaultAuthorizer: authorizer });
    // The request's own path, on the upstream's host.
    const upstream = new HttpUrlIntegration('Upstream', props.upstreamUrl, {
      parameterMapping: new apigwv2.ParameterMapping().overwritePath(apigwv2.MappingValue.requestPath()),
    });
    for (const route of EXAMPLE_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration: upstream });
    }
  }
}
