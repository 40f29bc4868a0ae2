/** Injection token of the auth use cases ({@link Auth}, built by createAuth). */
export const AUTH = Symbol('identity.auth');
