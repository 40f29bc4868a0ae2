// The public surface of the identity package: how other workspace packages (end-to-end tests,
// benchmarks, tooling) start it. The service's internals stay private.
export { type IdentityConfig, loadIdentityConfig } from './config.js';
export { type IdentityService, type StartIdentityOptions, startIdentity } from './identityService.js';
export { manifest } from './manifest.js';
