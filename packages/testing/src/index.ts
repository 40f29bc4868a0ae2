export { answers, type Infrastructure, infrastructure } from './infrastructure.js';
export { dropServiceSchemas, testPool, uniqueServiceName } from './postgres.js';
