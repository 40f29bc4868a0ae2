import 'reflect-metadata';
import { ConfigError } from '@ledgerline/platform';
import { startNotifier } from './app.js';
import { loadNotifierConfig } from './config.js';

try {
  await startNotifier(loadNotifierConfig());
} catch (error) {
  // A bad environment lists every problem; anything else is a start-up failure worth its stack.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
