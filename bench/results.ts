import { readFile, writeFile } from 'node:fs/promises';

/**
 * Replaces one benchmark's section of RESULTS.md (between `<!-- name:start -->` and
 * `<!-- name:end -->`), keeping the others, so `bench:kernel` and `bench:gateway` can run apart.
 */
export async function writeResultsSection(path: string, name: string, markdown: string): Promise<void> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const current = await readFile(path, 'utf8').catch(() => '');
  const at = current.indexOf(start);
  const next =
    at >= 0
      ? current.slice(0, at) + section + current.slice(current.indexOf(end) + end.length)
      : `${current.trimEnd()}${current.trim() ? '\n\n' : '# Benchmarks\n\n'}${section}\n`;
  await writeFile(path, next);
}
