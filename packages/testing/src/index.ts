export { type ClamdTestServer, EICAR, startClamdServer } from './clamd/clamdServer.js';
export { answers, type Infrastructure, infrastructure } from './infrastructure.js';
export { dropServiceSchemas, testPool, uniqueServiceName } from './postgres.js';
export { startTestNats, type TestNats, waitUntil } from './privateNats.js';
export {
  type S3ObjectCreated,
  type S3Operation,
  type S3RequestRecord,
  type S3TestServer,
  type S3TestServerOptions,
  startS3Server,
} from './s3/s3Server.js';
export { type CapturedMail, type SmtpCapture, startSmtpCapture } from './smtpCapture.js';
export { FakeStripe, type FakeStripeOptions, type SeedPlan, type StripeEvent } from './stripe/fakeStripe.js';
export { stripeId } from './stripe/objects.js';
export {
  type Delivery,
  type DeliveryMode,
  type SendOptions,
  StripeWebhookSender,
} from './stripe/webhookSender.js';
