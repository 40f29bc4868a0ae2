import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtInContracts, createCatalogRegistry, NATS_SERVICES, registry } from './catalog.js';
import { defineCommand, defineEvent } from './contract.js';
import { ConflictError, ValidationError } from './errors.js';
import { healthQuery } from './health.js';
import { registerUserCommand, userRegisteredEvent } from './identity/registration.js';
import { ContractRegistry } from './registry.js';

const eventV = (service: string, type: string, schemaVersion: number, isPublic = true) =>
  defineEvent({
    service,
    type,
    schemaVersion,
    data: z.object({ v: z.literal(schemaVersion) }),
    public: isPublic,
  });

describe('ContractRegistry', () => {
  it('rejects a duplicate subject and version', () => {
    const registry = new ContractRegistry().add(registerUserCommand, userRegisteredEvent);
    expect(() => registry.add(registerUserCommand)).toThrow(ConflictError);
    expect(() => registry.add(eventV('identity', 'UserRegistered', 1))).toThrow(/Duplicate contract/);
  });

  it('keeps several versions of one event and returns the latest by default', () => {
    const v1 = eventV('billing', 'PaymentSettled', 1);
    const v2 = eventV('billing', 'PaymentSettled', 2);
    const registry = new ContractRegistry().add(v2, v1);
    expect(registry.get('evt.billing.PaymentSettled')).toBe(v2);
    expect(registry.getEvent('PaymentSettled')).toBe(v2);
    expect(registry.getEvent('PaymentSettled', 1)).toBe(v1);
    expect(registry.getEvent('evt.billing.PaymentSettled', 2)).toBe(v2);
    expect(registry.getEvent('PaymentSettled', 3)).toBeUndefined();
    expect(registry.getEvent('PaymentFailed')).toBeUndefined();
    expect(registry.list()).toEqual([v1, v2]);
  });

  it('refuses to guess when two services declare the same event type', () => {
    const registry = new ContractRegistry().add(
      eventV('billing', 'Created', 1),
      eventV('files', 'Created', 1),
    );
    expect(() => registry.getEvent('Created')).toThrow(ConflictError);
    expect(registry.getEvent('evt.files.Created')?.service).toBe('files');
  });

  it('lists contracts sorted by subject and returns undefined for unknown subjects', () => {
    const registry = new ContractRegistry().add(
      userRegisteredEvent,
      registerUserCommand,
      healthQuery('billing'),
    );
    expect(registry.list().map((c) => c.subject)).toEqual([
      'billing.qry.Health',
      'evt.identity.UserRegistered',
      'identity.cmd.RegisterUser',
    ]);
    expect(registry.get('identity.cmd.DeleteUser')).toBeUndefined();
    expect(registry.producerOf('billing.qry.Health')).toBe('billing');
  });

  it('records consumers, deduplicated and sorted', () => {
    const registry = new ContractRegistry().add(userRegisteredEvent);
    registry
      .declareConsumer('notifier', userRegisteredEvent.subject)
      .declareConsumer('billing', userRegisteredEvent.subject)
      .declareConsumer('notifier', userRegisteredEvent.subject);
    expect(registry.consumersOf(userRegisteredEvent.subject)).toEqual(['billing', 'notifier']);
    expect(registry.consumersOf('evt.identity.Nothing')).toEqual([]);
    expect(registry.problems()).toEqual([]);
  });

  it('rejects bad consumer names and wildcard subjects', () => {
    const registry = new ContractRegistry();
    expect(() => registry.declareConsumer('Billing', 'evt.identity.UserRegistered')).toThrow(ValidationError);
    expect(() => registry.declareConsumer('billing', 'evt.identity.>')).toThrow(ValidationError);
  });

  it('reports a consumer without a producer', () => {
    const registry = new ContractRegistry().add(registerUserCommand);
    registry.declareConsumer('notifier', 'evt.identity.EmailVerified');
    registry.declareConsumer('api-gateway', registerUserCommand.subject);
    const problems = registry.problems();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('notifier consumes evt.identity.EmailVerified');
    expect(problems[0]).toContain('no contract');
  });

  it('reports consumption of another service’s private event, but not of its own', () => {
    const internal = eventV('identity', 'PasswordHashUpgraded', 1, false);
    const registry = new ContractRegistry().add(internal);
    registry.declareConsumer('identity', internal.subject);
    expect(registry.problems()).toEqual([]);
    registry.declareConsumer('billing', internal.subject);
    expect(registry.problems()).toEqual([
      'billing consumes evt.identity.PasswordHashUpgraded, but identity does not publish it (public: false)',
    ]);
  });
});

describe('catalog registry', () => {
  it('holds every built-in contract, a health query per NATS service, and no problems', () => {
    expect(registry.list()).toHaveLength(builtInContracts.length);
    for (const service of NATS_SERVICES) expect(registry.get(`${service}.qry.Health`)?.kind).toBe('query');
    expect(registry.get('identity.cmd.RegisterUser')).toBe(registerUserCommand);
    expect(registry.getEvent('UserRegistered', 1)).toBe(userRegisteredEvent);
    expect(registry.consumersOf('identity.cmd.RegisterUser')).toEqual(['api-gateway']);
    expect(registry.problems()).toEqual([]);
  });

  it('hands out independent registries', () => {
    const extended = createCatalogRegistry().add(
      defineCommand({ service: 'files', name: 'StartUpload', request: z.object({}), reply: z.object({}) }),
    );
    expect(extended.list()).toHaveLength(builtInContracts.length + 1);
    expect(registry.get('files.cmd.StartUpload')).toBeUndefined();
  });
});
