// Jest only: amazon-cognito-identity-js's big integers (jsbn) pick their multiply by sniffing `navigator`, which
// Node has had since 21. With it they take `am1`, which in Jest's VM context runs SRP's arithmetic some 50× slower
// than in a plain process (seconds per sign-in on Node 24). Hidden here, they take `am3`, as on Node 20: the same
// results, computed the way the package chooses for Node. The service itself, in a plain Node process, is unaffected.
Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
