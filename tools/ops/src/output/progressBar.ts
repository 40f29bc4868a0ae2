import type { RebuildProgress } from '@ledgerline/eventsourcing';
import cliProgress from 'cli-progress';

/** Formats seconds as `1h02m`, `3m05s` or `12s`; `?` while unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A progress bar for a rebuild on stderr; on a pipe it prints a line a second instead of redrawing. */
export function rebuildProgressBar(stream: NodeJS.WriteStream = process.stderr) {
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{phase} [{bar}] {value}/{total} events | {rate} events/s | ETA {etaText}',
    barsize: 30,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 1_000,
    // The command owns Ctrl-C (it aborts the rebuild); the bar must not install its own handler.
    gracefulExit: false,
  });
  let started = false;
  let announced = false;
  return {
    update(progress: RebuildProgress): void {
      // Before the replay nothing is counted yet: a bar would read `0/0 events`, drawn full.
      if (!started && progress.phase === 'migrating') {
        if (!announced) stream.write('migrating the new read-model schema…\n');
        announced = true;
        return;
      }
      const payload = {
        phase: progress.phase.padEnd(9),
        rate: progress.eventsPerSecond,
        etaText: progress.phase === 'replaying' ? formatEta(progress.etaSeconds) : '-',
      };
      if (!started) {
        bar.start(progress.total, progress.done, payload);
        started = true;
        return;
      }
      bar.setTotal(progress.total);
      bar.update(progress.done, payload);
    },
    stop(): void {
      if (started) bar.stop();
    },
  };
}
