// What tooling and benchmarks use of the files service (the service itself is `@ledgerline/files/service`).
export { ObjectStore, type ObjectStoreConfig } from './s3/objectStore.js';
export { type Inspection, inspect } from './verification/inspect.js';
export { HashThread } from './verification/sha256.js';
