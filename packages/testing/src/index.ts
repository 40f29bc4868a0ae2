export { answers, type Infrastructure, infrastructure } from './infrastructure.js';
export { dropServiceSchemas, testPool, uniqueServiceName } from './postgres.js';
export { startTestNats, type TestNats, waitUntil } from './privateNats.js';
export { type CapturedMail, type SmtpCapture, startSmtpCapture } from './smtpCapture.js';
