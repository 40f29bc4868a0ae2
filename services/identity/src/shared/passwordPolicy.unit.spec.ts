import { ValidationError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from './commonPasswords.js';
import { normaliseEmail } from './emails.js';
import { assertPasswordPolicy, passwordProblems } from './passwordPolicy.js';

describe('password policy', () => {
  it('accepts a long, uncommon password', () => {
    expect(passwordProblems('correct horse battery', 'ada@example.com')).toEqual([]);
  });

  it('needs 12 characters, counted as code points', () => {
    expect(passwordProblems('short-pass!', 'ada@example.com')).toEqual(['too_short']);
    expect(passwordProblems('🐴🐴🐴🐴🐴🐴🐴🐴🐴🐴🐴', 'ada@example.com')).toEqual(['too_short']);
  });

  it('refuses common passwords whatever their case', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(1000);
    expect(passwordProblems('Password1234', 'ada@example.com')).toEqual(['too_common']);
    expect(passwordProblems('QWERTYUIOP123', 'ada@example.com')).toEqual(['too_common']);
  });

  it('refuses the e-mail local part inside the password, but not a short one', () => {
    expect(passwordProblems('my-name-is-lovelace-99', 'Lovelace@Example.com')).toEqual(['contains_email']);
    expect(passwordProblems('al-is-a-fine-password', 'al@example.com')).toEqual([]);
  });

  it('lists every problem in one ValidationError', () => {
    try {
      assertPasswordPolicy('password', 'password@example.com');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).details?.issues as { code: string }[];
      expect(issues.map((i) => i.code)).toEqual(['too_short', 'too_common', 'contains_email']);
    }
  });
});

describe('e-mail normalisation', () => {
  it('trims and lower-cases the whole address', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
});
