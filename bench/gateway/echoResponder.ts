// The echo responder half of the raw ceiling (see echoCeiling.ts).
process.argv[2] = 'responder';
await import('./echoCeiling.js');
