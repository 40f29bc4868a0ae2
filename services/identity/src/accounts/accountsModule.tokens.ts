/** Injection token of the accounts use cases' dependencies ({@link AccountsDeps}). */
export const ACCOUNTS = Symbol('identity.accounts');
