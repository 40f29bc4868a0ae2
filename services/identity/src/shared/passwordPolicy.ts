import { ValidationError } from '@ledgerline/contracts';
import { COMMON_PASSWORDS } from './commonPasswords.js';
import { emailLocalPart } from './emails.js';

/** NIST SP 800-63B §5.1.1.2 favours length over composition rules; 12 is OWASP's current advice. */
export const MIN_PASSWORD_LENGTH = 12;
// Short local parts ("al@…") are contained in many good passwords by chance; only longer ones count.
const MIN_LOCAL_PART_TO_COMPARE = 3;

export type PasswordProblem = 'too_short' | 'too_common' | 'contains_email';

/** Every reason the password is not acceptable for this e-mail; empty when it is fine. Pure. */
export function passwordProblems(password: string, email: string): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  // Length in code points, so an emoji counts once rather than as two UTF-16 units.
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push('too_short');
  const lowered = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) problems.push('too_common');
  const local = emailLocalPart(email);
  if (local.length >= MIN_LOCAL_PART_TO_COMPARE && lowered.includes(local)) problems.push('contains_email');
  return problems;
}

const MESSAGES: Record<PasswordProblem, string> = {
  too_short: `must be at least ${MIN_PASSWORD_LENGTH} characters long`,
  too_common: 'is one of the most common passwords',
  contains_email: 'must not contain the e-mail address',
};

/** Throws a ValidationError listing every problem (as `issues` on the password field). */
export function assertPasswordPolicy(password: string, email: string, field = 'password'): void {
  const problems = passwordProblems(password, email);
  if (problems.length === 0) return;
  throw new ValidationError(`The password ${problems.map((p) => MESSAGES[p]).join('; ')}`, {
    issues: problems.map((problem) => ({ path: field, code: problem, message: MESSAGES[problem] })),
  });
}
