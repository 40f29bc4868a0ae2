// The public surface of the notifier package: how other workspace packages start it.
export { NOTIFIER, type StartNotifierOptions, startNotifier } from './app.js';
export { loadNotifierConfig, type NotifierConfig } from './config.js';
