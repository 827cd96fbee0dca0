// Jest setup of the integration project: a test fails when a response it saw (TestFleet checks every response of
// its apps) does not match openapi.yaml.
import { responseMismatches } from './openapi-responses';

function failOnMismatches(): void {
  const found = responseMismatches.take();
  if (found.length > 0) {
    throw new Error(`Responses that openapi.yaml does not describe (fix the document, or the service if it breaks API.md):\n  ${found.join('\n  ')}`);
  }
}

afterEach(failOnMismatches);
// Responses of afterAll hooks, and any a client abandoned after its test.
afterAll(failOnMismatches);
