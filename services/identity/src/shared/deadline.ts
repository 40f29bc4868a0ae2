import { UnavailableError } from '@ledgerline/contracts';
import { currentDeadline } from '@ledgerline/platform';

/**
 * Throws when the caller of the request being handled has stopped waiting (its deadline, sent in
 * the `ll-deadline` header, has passed): nothing should be appended for a reply nobody will read.
 */
export function assertCallerWaiting(now = Date.now()): void {
  const deadline = currentDeadline();
  if (deadline !== undefined && now >= deadline) {
    throw new UnavailableError('The request outlived its deadline', { reason: 'deadline_passed' });
  }
}
