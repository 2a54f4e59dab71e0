// The end-to-end and interop suites (test/e2e, test/interop) run the way an app meets the
// package: from a consumer app that installed the packed tarball, on NestJS 11 and on NestJS 12,
// as CommonJS and as ESM. For each Nest major it installs one consumer (the tarball, that Nest,
// the suites' other dependencies) from the npm registry; for each module kind it copies the
// suites with their imports of the library rewritten to the package name ('nestjs-kubemq',
// 'nestjs-kubemq/testing', 'nestjs-kubemq/health'), compiles them with `module: nodenext`, and
// runs them with Node's test runner.
//
//   node scripts/consumer-suites.mjs [--nest=11,12] [--module=cjs,esm] [--keep]
//
// KUBEMQ_ADDRESS and the other test variables pass through, as for `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const work = join(root, '.tmp', 'consumers');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const nestMajors = (args.nest ?? '11,12').split(',');
const moduleKinds = (args.module ?? 'cjs,esm').split(',');
const SUITES = ['e2e', 'interop', 'support'];

/** The public entry points the suites may import the library through. */
const PUBLIC_ENTRIES = {
  '../../lib': 'nestjs-kubemq',
  '../../lib/testing': 'nestjs-kubemq/testing',
  '../../lib/health': 'nestjs-kubemq/health',
};

const devVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[name];

/** A consumer's dependencies: the tarball, one Nest major, and what the suites import. */
function consumerDependencies(nest, tarball) {
  return {
    'nestjs-kubemq': `file:../${tarball}`,
    '@nestjs/common': `^${nest}.0.0`,
    '@nestjs/core': `^${nest}.0.0`,
    '@nestjs/microservices': `^${nest}.0.0`,
    '@nestjs/platform-express': `^${nest}.0.0`,
    '@nestjs/testing': `^${nest}.0.0`,
    '@nestjs/terminus': `^${nest}.0.0`,
    '@nestjs/config': '^12.0.0',
    'class-transformer': devVersion('class-transformer'),
    'class-validator': devVersion('class-validator'),
    'kubemq-js': devVersion('kubemq-js'),
    // Serializer and tracing suites: MessagePack, and OpenTelemetry (an optional peer of ours).
    '@msgpack/msgpack': devVersion('@msgpack/msgpack'),
    '@opentelemetry/api': devVersion('@opentelemetry/api'),
    '@opentelemetry/context-async-hooks': devVersion('@opentelemetry/context-async-hooks'),
    '@opentelemetry/core': devVersion('@opentelemetry/core'),
    '@opentelemetry/sdk-trace-base': devVersion('@opentelemetry/sdk-trace-base'),
    'reflect-metadata': devVersion('reflect-metadata'),
    rxjs: devVersion('rxjs'),
    ws: '^8.0.0',
    '@types/node': devVersion('@types/node'),
    '@types/ws': devVersion('@types/ws'),
  };
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(' ')} failed (exit ${result.status})`);
  }
}

function filesUnder(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

/**
 * Rewrites a suite file's imports: the library through its public entry points only (a test
 * that reaches into lib/ fails here, since an app cannot), and, for ESM, relative imports
 * with the `.js` extension Node's ESM resolution needs.
 */
function rewriteImports(file, esm) {
  const source = readFileSync(file, 'utf8');
  const rewritten = source.replace(/(from |import )'(\.[^']*)'/g, (match, keyword, spec) => {
    if (spec.includes('/lib')) {
      const entry = PUBLIC_ENTRIES[spec];
      if (!entry) {
        throw new Error(
          `${relative(work, file)} imports '${spec}': suites may use only ${Object.keys(PUBLIC_ENTRIES).join(', ')}`,
        );
      }
      return `${keyword}'${entry}'`;
    }
    return esm && !spec.endsWith('.js') ? `${keyword}'${spec}.js'` : match;
  });
  writeFileSync(file, rewritten);
}

function tsconfig() {
  return {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      // kubemq-js ships declarations that do not compile; our own are checked strictly below.
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'out',
    },
    include: ['src'],
  };
}

/** Type-checks the package's own declarations, and those of Nest they use, with skipLibCheck off. */
function checkDeclarations(dir) {
  const check = join(dir, 'declarations');
  mkdirSync(check, { recursive: true });
  writeFileSync(
    join(check, 'entries.ts'),
    [
      "import * as root from 'nestjs-kubemq';",
      "import * as testing from 'nestjs-kubemq/testing';",
      "import * as health from 'nestjs-kubemq/health';",
      'export const entries = [root, testing, health];',
      '',
    ].join('\n'),
  );
  const config = tsconfig();
  config.compilerOptions = {
    ...config.compilerOptions,
    skipLibCheck: false,
    noEmit: true,
    rootDir: '.',
  };
  config.include = ['entries.ts'];
  writeFileSync(join(check, 'tsconfig.json'), JSON.stringify(config, null, 2));
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', check]);
}

function installConsumer(nest, tarball) {
  const dir = join(work, `nest${nest}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `nest${nest}-consumer`,
        private: true,
        dependencies: consumerDependencies(nest, tarball),
      },
      null,
      2,
    ),
  );
  console.log(`\n== Nest ${nest}: installing the consumer (the packed tarball, Nest ${nest}.x)`);
  run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: dir,
  });
  const installed = JSON.parse(
    readFileSync(join(dir, 'node_modules', '@nestjs', 'microservices', 'package.json'), 'utf8'),
  ).version;
  if (!installed.startsWith(`${nest}.`))
    throw new Error(`installed @nestjs/microservices ${installed}, not ${nest}.x`);
  console.log(`   @nestjs/microservices ${installed}`);
  return dir;
}

function runSuites(consumer, nest, kind) {
  const dir = join(consumer, kind);
  rmSync(dir, { recursive: true, force: true });
  for (const suite of SUITES)
    cpSync(join(root, 'test', suite), join(dir, 'src', suite), { recursive: true });
  const esm = kind === 'esm';
  for (const file of filesUnder(join(dir, 'src'), '.ts')) rewriteImports(file, esm);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ private: true, type: esm ? 'module' : 'commonjs' }),
  );
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(), null, 2));
  console.log(
    `\n== Nest ${nest}, ${kind.toUpperCase()} consumer: compiling and running test/e2e and test/interop`,
  );
  checkDeclarations(dir);
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir]);
  const tests = [
    ...filesUnder(join(dir, 'out', 'e2e'), '.test.js'),
    ...filesUnder(join(dir, 'out', 'interop'), '.test.js'),
  ].sort();
  run(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
      '--test-reporter=spec',
      ...tests,
    ],
    { cwd: dir },
  );
}

if (!existsSync(join(root, 'dist', 'index.js'))) run(npm, ['run', 'build'], { cwd: root });
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: root, stdio: 'pipe' });
const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
if (!tarball) throw new Error('npm pack produced no tarball');

const results = [];
try {
  for (const nest of nestMajors) {
    const consumer = installConsumer(nest, tarball);
    for (const kind of moduleKinds) {
      runSuites(consumer, nest, kind);
      results.push(`Nest ${nest} ${kind.toUpperCase()}: passed`);
    }
  }
} finally {
  if (results.length > 0) console.log(`\n${results.join('\n')}`);
  if (args.keep !== 'true') rmSync(work, { recursive: true, force: true });
}
