/**
 * Ctrl-C (or SIGTERM) aborts the returned signal once, so a command can stop cleanly; a second
 * Ctrl-C exits at once. `dispose` removes the handlers when the command is done.
 */
export function interruptSignal(onFirst?: () => void): {
  signal: AbortSignal;
  abort: () => void;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    onFirst?.();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
