// One UUIDv7 source for every package: it lives in @ledgerline/contracts, which the kernel and the
// platform both depend on. Re-exported here so existing platform imports keep working.
export { uuidv7 } from '@ledgerline/contracts';
