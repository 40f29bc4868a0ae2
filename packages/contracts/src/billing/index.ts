export * from './catalog.js';
export * from './events.js';
export * from './plans.js';
export * from './requests.js';
