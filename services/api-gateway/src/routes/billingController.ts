import {
  adminListSubscriptionsQuery,
  cancelSubscriptionCommand,
  changePlanCommand,
  completeCheckoutCommand,
  createPortalSessionCommand,
  getSubscriptionQuery,
  listInvoicesQuery,
  listPlansQuery,
  resumeSubscriptionCommand,
  startCheckoutCommand,
  subscriptionViewSchema,
} from '@ledgerline/contracts';
import { Controller, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inputOf } from '../http/input.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';

const TAG = 'billing';
const planChoiceBody = startCheckoutCommand.request;
const completeQuery = z.object({ session_id: z.string().min(1).max(255) });
const invoicesQuery = listInvoicesQuery.request;
const adminSubscriptionsQuery = adminListSubscriptionsQuery.request;

/** Plans, Checkout, the Customer Portal and the caller's subscription; billing owns every rule. */
@Controller()
export class BillingController {
  constructor(@Inject(ServiceClient) private readonly client: ServiceClient) {}

  @Endpoint({
    method: 'GET',
    path: '/billing/plans',
    tag: TAG,
    summary: 'The plans on offer',
    auth: 'none',
    cache: true,
    response: listPlansQuery.reply,
  })
  listPlans(@Req() request: FastifyRequest) {
    return this.client.send(listPlansQuery, {}, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/billing/checkout',
    tag: TAG,
    summary: 'Start a Stripe Checkout for a plan (409 with a subscription already)',
    body: planChoiceBody,
    response: startCheckoutCommand.reply,
  })
  startCheckout(@Req() request: FastifyRequest) {
    return this.client.send(startCheckoutCommand, inputOf(request, planChoiceBody, 'body'), request);
  }

  @Endpoint({
    method: 'GET',
    path: '/billing/checkout/complete',
    tag: TAG,
    summary: 'The Checkout success landing: syncs the subscription at once',
    query: completeQuery,
    response: subscriptionViewSchema,
  })
  completeCheckout(@Req() request: FastifyRequest) {
    const { session_id } = inputOf(request, completeQuery, 'query');
    return this.client.send(completeCheckoutCommand, { sessionId: session_id }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/billing/portal',
    tag: TAG,
    summary: 'A Stripe Customer Portal session',
    response: createPortalSessionCommand.reply,
  })
  createPortalSession(@Req() request: FastifyRequest) {
    return this.client.send(createPortalSessionCommand, {}, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/billing/subscription',
    tag: TAG,
    summary: 'My subscription, tier and entitlements',
    response: subscriptionViewSchema,
  })
  getSubscription(@Req() request: FastifyRequest) {
    return this.client.send(getSubscriptionQuery, {}, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/billing/subscription/cancel',
    tag: TAG,
    summary: 'Cancel my subscription at the end of the period',
    status: 200,
    response: subscriptionViewSchema,
  })
  cancelSubscription(@Req() request: FastifyRequest) {
    return this.client.send(cancelSubscriptionCommand, {}, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/billing/subscription/resume',
    tag: TAG,
    summary: 'Keep my subscription after all',
    status: 200,
    response: subscriptionViewSchema,
  })
  resumeSubscription(@Req() request: FastifyRequest) {
    return this.client.send(resumeSubscriptionCommand, {}, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/billing/subscription/change',
    tag: TAG,
    summary: 'Switch my subscription to another plan or interval (prorated)',
    status: 200,
    body: planChoiceBody,
    response: subscriptionViewSchema,
  })
  changePlan(@Req() request: FastifyRequest) {
    return this.client.send(changePlanCommand, inputOf(request, planChoiceBody, 'body'), request);
  }

  @Endpoint({
    method: 'GET',
    path: '/billing/invoices',
    tag: TAG,
    summary: 'My invoices, newest first',
    query: invoicesQuery,
    response: listInvoicesQuery.reply,
  })
  listInvoices(@Req() request: FastifyRequest) {
    return this.client.send(listInvoicesQuery, inputOf(request, invoicesQuery, 'query'), request);
  }

  @Endpoint({
    method: 'GET',
    path: '/admin/billing/subscriptions',
    tag: 'admin',
    summary: 'Every subscription, filtered by status or plan',
    auth: 'admin',
    query: adminSubscriptionsQuery,
    response: adminListSubscriptionsQuery.reply,
  })
  listSubscriptions(@Req() request: FastifyRequest) {
    return this.client.send(
      adminListSubscriptionsQuery,
      inputOf(request, adminSubscriptionsQuery, 'query'),
      request,
    );
  }
}
