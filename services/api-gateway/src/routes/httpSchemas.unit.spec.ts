import { listUsersQuery, parseRequest, ValidationError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { parseInput } from '../http/input.js';
import {
  listUsersQueryString,
  refreshBody,
  registerBody,
  updateProfileBody,
  verifyMfaBody,
} from './httpSchemas.js';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (((error as ValidationError).details?.issues ?? []) as { path: string }[]).map((i) => i.path);
  }
  throw new Error('expected a ValidationError');
};

describe('HTTP input schemas', () => {
  it('coerces list-users query strings into a valid contract request', () => {
    const query = parseInput(
      listUsersQueryString,
      { limit: '5', offset: '10', sort: 'email', role: 'admin' },
      'query',
    );
    expect(query).toMatchObject({ limit: 5, offset: 10, sort: 'email', role: 'admin' });
    expect(parseRequest(listUsersQuery, query)).toMatchObject({ limit: 5 });
    expect(parseInput(listUsersQueryString, {}, 'query')).toEqual({ limit: 20, sort: '-createdAt' });
  });

  it('refuses bad cursors, numbers and unknown or repeated parameters with located issues', () => {
    expect(issuesOf(() => parseInput(listUsersQueryString, { limit: '0' }, 'query'))).toEqual([
      'query.limit',
    ]);
    expect(issuesOf(() => parseInput(listUsersQueryString, { limit: 'many' }, 'query'))).toEqual([
      'query.limit',
    ]);
    expect(issuesOf(() => parseInput(listUsersQueryString, { role: ['admin', 'user'] }, 'query'))).toEqual([
      'query.role',
    ]);
    expect(issuesOf(() => parseInput(listUsersQueryString, { userId: 'x' }, 'query'))).toEqual(['query']);
    expect(issuesOf(() => parseInput(listUsersQueryString, { cursor: 'x'.repeat(600) }, 'query'))).toEqual([
      'query.cursor',
    ]);
  });

  it('never lets the body name the user, and requires a body where one is expected', () => {
    const body = {
      email: 'a@b.test',
      password: 'pw',
      displayName: 'A',
      userId: '00000000-0000-4000-8000-000000000000',
    };
    expect(issuesOf(() => parseInput(registerBody, body, 'body'))).toEqual(['body']);
    expect(issuesOf(() => parseInput(registerBody, undefined, 'body'))).toEqual(['body']);
    expect(issuesOf(() => parseInput(updateProfileBody, {}, 'body'))).toEqual(['body']);
  });

  it('takes exactly one of code and recoveryCode for MFA, and an optional refresh body', () => {
    const challengeToken = 'c'.repeat(32);
    expect(parseInput(verifyMfaBody, { challengeToken, code: '123456' }, 'body')).toMatchObject({
      code: '123456',
    });
    expect(issuesOf(() => parseInput(verifyMfaBody, { challengeToken }, 'body'))).toEqual(['body']);
    expect(parseInput(refreshBody, undefined, 'body')).toEqual({});
  });
});
