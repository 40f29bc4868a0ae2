// Writes json-schema/<subject>.json per contract plus json-schema/index.json (run by `npm run build`).
// Usage: tsx --conditions=@ledgerline/source scripts/exportJsonSchema.ts [outDir]
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildJsonSchemaFiles, type ContractRegistry, registry as catalog } from '../src/index.js';

/** The default output folder: `packages/contracts/json-schema`. */
export const DEFAULT_OUT_DIR = resolve(import.meta.dirname, '..', 'json-schema');

/** Writes the export into `outDir` and returns the written file names; stale `.json` files are removed. */
export const exportJsonSchema = async (
  outDir: string = DEFAULT_OUT_DIR,
  registry: ContractRegistry = catalog,
): Promise<string[]> => {
  const files = buildJsonSchemaFiles(registry);
  await mkdir(outDir, { recursive: true });
  // Only our own output is removed, never the folder: outDir may be a user-supplied path.
  for (const entry of await readdir(outDir)) {
    if (entry.endsWith('.json')) await rm(join(outDir, entry));
  }
  for (const { fileName, content } of files) {
    await writeFile(join(outDir, fileName), `${JSON.stringify(content, null, 2)}\n`);
  }
  return files.map((f) => f.fileName);
};

const main = async (): Promise<void> => {
  // A consumer without a producer is a wiring bug: fail the build instead of exporting it.
  const problems = catalog.problems();
  if (problems.length > 0) {
    console.error(`contract problems:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  const written = await exportJsonSchema(outDir);
  console.log(`contracts: wrote ${written.length} JSON Schema files to ${outDir}`);
};

const invokedPath = process.argv[1];
if (invokedPath !== undefined && pathToFileURL(resolve(invokedPath)).href === import.meta.url) {
  await main();
}
