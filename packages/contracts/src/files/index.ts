export * from './catalog.js';
export * from './common.js';
export * from './events.js';
export * from './requests.js';
