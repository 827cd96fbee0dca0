// amazon-cognito-identity-js's big integer (jsbn's), which its AuthenticationHelper takes and its index doesn't export.
declare module 'amazon-cognito-identity-js/lib/BigInteger' {
  export default class BigInteger {
    constructor(value: string, radix: number);
    toString(radix: number): string;
  }
}
