// The public surface of the gateway package: how other workspace packages start it.
export { type CreateGatewayOptions, createGateway, type Gateway } from './app/createGateway.js';
export { type GatewayConfig, loadGatewayConfig } from './config.js';
export {
  createWebhookIngress,
  type WebhookIngress,
  type WebhookIngressOptions,
} from './webhooks/webhookIngress.js';
