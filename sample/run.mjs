// `npm run sample`: builds what is missing or out of date (the library's dist/, then the
// sample's sample/dist/), then runs the sample in this same process, so that Ctrl-C reaches
// it directly. The npm script starts this file with `exec` so that no shell sits between
// npm and node: npm then forwards signals to the sample and exits with its code.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sampleDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(sampleDir);
const require = createRequire(import.meta.url);

/** Newest modification time (ms) of the .ts files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Modification time of `file` (0 when it does not exist). */
function builtAt(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

function tsc(project, what) {
  process.stdout.write(`Building ${what}...\n`);
  const result = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(root, project)],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    process.stderr.write(`Building ${what} failed (tsc exit ${result.status}).\n`);
    process.exit(1);
  }
}

// The library, as `npm run build` makes it (written in place, so a running process that has
// dist/ loaded is not left without files).
const libraryBuilt = Math.min(
  builtAt(join(root, 'dist', 'index.js')),
  builtAt(join(root, 'dist', 'testing', 'index.js')),
);
if (libraryBuilt === 0 || newestSource(join(root, 'lib')) > libraryBuilt) {
  tsc('tsconfig.build.json', 'nestjs-kubemq (dist/)');
  // The CLI (package.json "bin"), runnable with `npx nestjs-kubemq`, as `npm run build` leaves it.
  chmodSync(join(root, 'dist', 'cli', 'main.js'), 0o755);
}

const sampleMain = join(sampleDir, 'dist', 'main.js');
const sampleBuilt = builtAt(sampleMain);
if (
  sampleBuilt === 0 ||
  newestSource(join(sampleDir, 'src')) > sampleBuilt ||
  builtAt(join(root, 'dist', 'index.d.ts')) > sampleBuilt
) {
  tsc('sample/tsconfig.json', 'the sample (sample/dist/)');
}

await require(sampleMain).bootstrap();
