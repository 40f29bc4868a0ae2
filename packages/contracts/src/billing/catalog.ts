import type { Contract } from '../contract.js';
import { getMeQuery } from '../identity/accounts.js';
import { changeUserTierCommand } from '../identity/admin.js';
import { userDeactivatedEvent } from '../identity/events.js';
import {
  billingEvents,
  paymentFailedEvent,
  paymentRecoveredEvent,
  subscriptionCancelScheduledEvent,
  trialEndingEvent,
} from './events.js';
import { billingCommands, billingQueries, expireGraceCommand } from './requests.js';

/** Every billing contract. */
export const billingContracts: readonly Contract[] = [
  ...billingCommands,
  ...billingQueries,
  expireGraceCommand,
  ...billingEvents,
];

/** Who consumes what of billing's (and what billing consumes of others). */
export const billingConsumptions: ReadonlyArray<readonly [consumer: string, contract: Contract]> = [
  ...[...billingCommands, ...billingQueries].map((c) => ['api-gateway', c] as const),
  ['billing', changeUserTierCommand],
  ['billing', getMeQuery],
  ['billing', expireGraceCommand],
  ['billing', userDeactivatedEvent],
  ...[paymentFailedEvent, paymentRecoveredEvent, trialEndingEvent, subscriptionCancelScheduledEvent].map(
    (c) => ['notifier', c] as const,
  ),
];
