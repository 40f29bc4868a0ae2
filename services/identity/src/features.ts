import { AccountsModule } from './accounts/accountsModule.js';
import { AuthModule } from './sessions/authModule.js';

// What identity is made of: each feature adds its Nest module here, one line each. Read models
// are listed in projections.ts.

/** Nest modules the root module imports. */
export const featureModules = [AccountsModule, AuthModule];
