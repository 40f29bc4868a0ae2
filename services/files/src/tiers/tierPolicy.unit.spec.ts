import { ValidationError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import type { TierLimits } from '../config.js';
import { allowedTypes, checkUploadAllowed, verifiedType } from './tierPolicy.js';

const limits: TierLimits = {
  quotaBytes: 1000,
  maxFileBytes: 100,
  contentTypes: ['image/png', 'application/pdf', 'text/plain', 'text/html'],
  purposes: { avatar: ['image/png'] },
  unsniffableTypes: ['text/plain'],
};

describe('tier policy', () => {
  it('narrows types by purpose and never allows HTML unless it is explicitly unsniffable', () => {
    expect(allowedTypes(limits, null)).toEqual(['image/png', 'application/pdf', 'text/plain']);
    expect(allowedTypes(limits, 'avatar')).toEqual(['image/png']);
    expect(allowedTypes(limits, 'unknown')).toEqual([]);
  });

  it('refuses a file above the tier maximum and a type not allowed for the purpose', () => {
    expect(() => checkUploadAllowed(limits, { contentType: 'image/png', size: 101, purpose: null })).toThrow(
      ValidationError,
    );
    expect(() =>
      checkUploadAllowed(limits, { contentType: 'application/pdf', size: 10, purpose: 'avatar' }),
    ).toThrow(/not allowed/);
    expect(() =>
      checkUploadAllowed(limits, { contentType: 'image/png', size: 10, purpose: 'avatar' }),
    ).not.toThrow();
  });

  it('verifies the sniffed type against the declared one', () => {
    expect(verifiedType(limits, 'image/png', null, 'image/png', false)).toBe('image/png');
    // A PNG declared as PDF, an HTML page renamed .png (file-type sniffs nothing).
    expect(verifiedType(limits, 'application/pdf', null, 'image/png', false)).toBeUndefined();
    expect(verifiedType(limits, 'image/png', null, undefined, true)).toBeUndefined();
    // An explicitly allowed text format passes only when the bytes are text.
    expect(verifiedType(limits, 'text/plain', null, undefined, true)).toBe('text/plain');
    expect(verifiedType(limits, 'text/plain', null, undefined, false)).toBeUndefined();
    expect(verifiedType(limits, 'text/html', null, undefined, true)).toBeUndefined();
  });
});
