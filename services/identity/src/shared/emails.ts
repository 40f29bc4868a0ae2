/**
 * The canonical form of an e-mail address: trimmed and lower-cased as a whole. RFC 5321 lets the
 * local part be case-sensitive, but no mainstream provider treats it so, and two accounts that
 * differ only by case are a support (and phishing) problem. This form is the reservation key.
 */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The part before the last `@` (the local part), lower-cased; what the password policy compares to. */
export const emailLocalPart = (email: string): string => {
  const normalised = normaliseEmail(email);
  const at = normalised.lastIndexOf('@');
  return at < 0 ? normalised : normalised.slice(0, at);
};
