import { billingConsumptions, billingContracts } from './billing/catalog.js';
import type { Contract } from './contract.js';
import { filesConsumptions, filesContracts } from './files/catalog.js';
import { type HealthQuery, healthQuery } from './health.js';
import { identityCommands, identityConsumedByGateway, identityQueries } from './identity/catalog.js';
import {
  duplicateSignUpAttemptedEvent,
  emailVerificationRequestedEvent,
  identityEvents,
  mfaDisabledEvent,
  mfaEnabledEvent,
  passwordChangedEvent,
  passwordResetRequestedEvent,
  sessionRevokedEvent,
  signInCodeRequestedEvent,
} from './identity/events.js';
import { registerUserCommand, userRegisteredEvent } from './identity/registration.js';
import { ContractRegistry } from './registry.js';

/** Services that answer NATS requests; each serves `<service>.qry.Health`. */
export const NATS_SERVICES = ['identity', 'files', 'billing', 'notifier'] as const;
export type NatsService = (typeof NATS_SERVICES)[number];

/** The gateway: the HTTP edge that sends most commands and queries. */
export const API_GATEWAY = 'api-gateway';

/** Built-in health contracts, one per NATS-facing service. */
export const healthQueries = Object.freeze(
  Object.fromEntries(NATS_SERVICES.map((service) => [service, healthQuery(service)])),
) as Readonly<Record<NatsService, HealthQuery>>;

/** Every contract this package defines; a new contract is added here to be exported and checked. */
export const builtInContracts: readonly Contract[] = Object.freeze([
  ...Object.values(healthQueries),
  registerUserCommand,
  userRegisteredEvent,
  ...identityCommands,
  ...identityQueries,
  ...identityEvents,
  ...filesContracts,
  ...billingContracts,
]);

/** Identity events the notifier turns into e-mails. */
const notifierConsumes = [
  emailVerificationRequestedEvent,
  signInCodeRequestedEvent,
  passwordResetRequestedEvent,
  passwordChangedEvent,
  mfaEnabledEvent,
  mfaDisabledEvent,
  sessionRevokedEvent,
  duplicateSignUpAttemptedEvent,
];

/** Who consumes what, so `registry.problems()` can catch a consumer whose producer is missing. */
const builtInConsumptions: ReadonlyArray<readonly [consumer: string, subject: string]> = [
  ...NATS_SERVICES.map((service) => [API_GATEWAY, healthQueries[service].subject] as const),
  [API_GATEWAY, registerUserCommand.subject],
  ...identityConsumedByGateway.map((contract) => [API_GATEWAY, contract.subject] as const),
  ...notifierConsumes.map((contract) => ['notifier', contract.subject] as const),
  ...filesConsumptions.map(([consumer, contract]) => [consumer, contract.subject] as const),
  ...billingConsumptions.map(([consumer, contract]) => [consumer, contract.subject] as const),
];

/** A fresh registry holding the built-in contracts and consumers (tests extend it without side effects). */
export const createCatalogRegistry = (): ContractRegistry => {
  const registry = new ContractRegistry().add(...builtInContracts);
  for (const [consumer, subject] of builtInConsumptions) registry.declareConsumer(consumer, subject);
  return registry;
};

/** The default registry with every built-in contract registered. */
export const registry: ContractRegistry = createCatalogRegistry();
