import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineCommand,
  defineEvent,
  defineQuery,
  parseEventData,
  parseEventEnvelope,
  parseReply,
  parseRequest,
} from './contract.js';
import { ValidationError } from './errors.js';
import { registerUserCommand, userRegisteredEvent } from './identity/registration.js';

const USER_ID = '01933b5e-7c1a-7d2b-9c3d-4e5f60718293';

const catchValidation = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('define*', () => {
  it('carry kind and subject and are frozen', () => {
    const query = defineQuery({
      service: 'files',
      name: 'GetUpload',
      request: z.object({}),
      reply: z.null(),
    });
    expect(query).toMatchObject({ kind: 'query', subject: 'files.qry.GetUpload', service: 'files' });
    expect(Object.isFrozen(query)).toBe(true);
    expect(registerUserCommand).toMatchObject({ kind: 'command', subject: 'identity.cmd.RegisterUser' });
    expect(userRegisteredEvent).toMatchObject({ kind: 'event', subject: 'evt.identity.UserRegistered' });
    expect(Object.isFrozen(userRegisteredEvent)).toBe(true);
  });

  it('reject bad names and versions', () => {
    const io = { request: z.object({}), reply: z.object({}) };
    expect(() => defineCommand({ service: 'Identity', name: 'RegisterUser', ...io })).toThrow(
      ValidationError,
    );
    expect(() => defineQuery({ service: 'files', name: 'get-upload', ...io })).toThrow(ValidationError);
    const event = { service: 'identity', type: 'UserRegistered', data: z.object({}), public: true };
    expect(() => defineEvent({ ...event, schemaVersion: 0 })).toThrow(ValidationError);
    expect(() => defineEvent({ ...event, schemaVersion: 1.5 })).toThrow(ValidationError);
    expect(() => defineEvent({ ...event, type: 'userRegistered', schemaVersion: 1 })).toThrow(
      ValidationError,
    );
  });
});

describe('parseRequest', () => {
  it('returns typed, normalised data', () => {
    const request = parseRequest(registerUserCommand, {
      email: 'ada@example.com',
      password: 'x',
      displayName: '  Ada  ',
    });
    expect(request).toEqual({ email: 'ada@example.com', password: 'x', displayName: 'Ada' });
  });

  it('throws a ValidationError listing every issue', () => {
    const error = catchValidation(() =>
      parseRequest(registerUserCommand, { email: 'nope', password: '', displayName: 'x'.repeat(101) }),
    );
    expect(error.message).toContain('identity.cmd.RegisterUser request');
    const issues = (error.details?.issues ?? []) as { path: string }[];
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['displayName', 'email', 'password']);
  });
});

describe('parseReply', () => {
  it('accepts success and failure replies', () => {
    expect(parseReply(registerUserCommand, { ok: true, data: { userId: USER_ID } })).toEqual({
      ok: true,
      data: { userId: USER_ID },
    });
    const failed = { ok: false, error: { code: 'CONFLICT', message: 'email taken' } };
    expect(parseReply(registerUserCommand, failed)).toEqual(failed);
  });

  it('rejects a reply whose data breaks the contract', () => {
    const error = catchValidation(() => parseReply(registerUserCommand, { ok: true, data: { userId: 'u' } }));
    expect(error.message).toContain('identity.cmd.RegisterUser reply');
  });
});

describe('parseEventData / parseEventEnvelope', () => {
  const data = {
    userId: USER_ID,
    email: 'ada@example.com',
    displayName: 'Ada',
    registeredAt: '2025-01-01T00:00:00Z',
  };
  const envelope = {
    id: USER_ID,
    type: 'UserRegistered',
    schemaVersion: 1,
    streamId: `account-${USER_ID}`,
    streamPosition: 1,
    globalPosition: 10,
    occurredAt: '2025-01-01T00:00:00Z',
    data,
    meta: {},
  };

  it('parse valid data and envelopes', () => {
    expect(parseEventData(userRegisteredEvent, data)).toEqual(data);
    expect(parseEventEnvelope(userRegisteredEvent, envelope).data.email).toBe('ada@example.com');
  });

  it('reject bad data with the event name and version in the message', () => {
    const error = catchValidation(() => parseEventData(userRegisteredEvent, { ...data, userId: 'nope' }));
    expect(error.message).toMatch(/^Invalid UserRegistered v1 data: userId:/);
  });

  it('reject an envelope of another type or version', () => {
    expect(() => parseEventEnvelope(userRegisteredEvent, { ...envelope, schemaVersion: 2 })).toThrow(
      ValidationError,
    );
    expect(() => parseEventEnvelope(userRegisteredEvent, { ...envelope, type: 'UserDeleted' })).toThrow(
      /got UserDeleted v1/,
    );
  });
});
