import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import {
  commandSubject,
  eventSubject,
  externalSubject,
  isServiceName,
  parseSubject,
  querySubject,
  tryParseSubject,
} from './subjects.js';

describe('subject builders', () => {
  it('build the four subject shapes', () => {
    expect(commandSubject('identity', 'RegisterUser')).toBe('identity.cmd.RegisterUser');
    expect(querySubject('api-gateway', 'Health')).toBe('api-gateway.qry.Health');
    expect(eventSubject('identity', 'UserRegistered')).toBe('evt.identity.UserRegistered');
    expect(externalSubject('stripe', 'checkout.session.completed')).toBe(
      'ext.stripe.checkout.session.completed',
    );
  });

  it.each([
    ['Identity', 'RegisterUser'],
    ['api_gateway', 'RegisterUser'],
    ['identity', 'registerUser'],
    ['identity', 'Register.User'],
    ['identity', 'Register*'],
    ['identity', '>'],
    ['', 'RegisterUser'],
    ['evt', 'RegisterUser'],
    ['-identity', 'RegisterUser'],
    ['identity', 'Register User'],
  ])('reject service %j with name %j', (service, name) => {
    expect(() => commandSubject(service, name)).toThrow(ValidationError);
    expect(() => querySubject(service, name)).toThrow(ValidationError);
    expect(() => eventSubject(service, name)).toThrow(ValidationError);
  });

  it.each(['Checkout.Session', 'checkout..session', '.completed', 'invoice.*', 'a b'])(
    'reject external type %j',
    (type) => {
      expect(() => externalSubject('stripe', type)).toThrow(ValidationError);
    },
  );

  it('accepts lower-kebab service names only', () => {
    expect(isServiceName('api-gateway')).toBe(true);
    expect(isServiceName('api--gateway')).toBe(false);
    expect(isServiceName('ext')).toBe(false);
  });
});

describe('parseSubject', () => {
  it('parses every kind back into its parts', () => {
    expect(parseSubject('identity.cmd.RegisterUser')).toEqual({
      kind: 'command',
      service: 'identity',
      name: 'RegisterUser',
    });
    expect(parseSubject('files.qry.GetUpload')).toEqual({
      kind: 'query',
      service: 'files',
      name: 'GetUpload',
    });
    expect(parseSubject('evt.billing.PaymentSettled')).toEqual({
      kind: 'event',
      service: 'billing',
      name: 'PaymentSettled',
    });
    expect(parseSubject('ext.stripe.customer.subscription.updated')).toEqual({
      kind: 'external',
      service: 'stripe',
      name: 'customer.subscription.updated',
    });
  });

  it.each([
    '',
    'identity',
    'identity.cmd',
    'identity.evt.RegisterUser',
    'identity.cmd.RegisterUser.extra',
    'evt.identity.UserRegistered.v2',
    'evt.identity.>',
    'identity.cmd.*',
    'ext.stripe',
    'ext.Stripe.invoice.paid',
    'IDENTITY.cmd.RegisterUser',
  ])('rejects %j with a ValidationError', (subject) => {
    expect(() => parseSubject(subject)).toThrow(ValidationError);
    expect(tryParseSubject(subject)).toBeUndefined();
  });

  it('round-trips what the builders produce', () => {
    const subject = commandSubject('api-gateway', 'RotateKeys');
    const { service, name } = parseSubject(subject);
    expect(commandSubject(service, name)).toBe(subject);
  });
});
