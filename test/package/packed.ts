// The packed tarball the package suites (pack-contents, pack-consumers) check: the public API
// lists they hold it to, and the fixture that packs and unpacks it. It lives here, not in
// test/support, because test/support is copied into the packed consumer apps of
// `npm run test:consumers`, and this fixture packs the repo itself.
//
// Needs dist/ (run `npm run build` first; `npm test` does). The consumers live under the
// repo's .tmp/ so that peer dependencies (@nestjs/*, rxjs, reflect-metadata) and
// @grpc/grpc-js resolve from the repo's node_modules by walking up the tree.
// Set KEEP_PACK_TMP=1 to keep the unpacked consumers for inspection.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { after, before } from 'node:test';

// ---- The public API the consumers must see. Extend these lists as the API grows. --------

/** What `typeof` says, with classes told apart from plain functions. */
export type ExportKind = 'class' | 'function' | 'symbol' | 'object' | 'string' | 'number';

/** Named exports of `nestjs-kubemq` (lib/index.ts). */
export const ROOT_EXPORTS: Record<string, ExportKind> = {
  ServerKubeMQ: 'class',
  ClientKubeMQ: 'class',
  KubeMQContext: 'class',
  KubeMQRecord: 'class',
  KubeMQRecordBuilder: 'class',
  KUBEMQ_TRANSPORT: 'symbol',
  KubeMQStatus: 'object',
  KubeMQConnection: 'class',
  KubeMQError: 'class',
  KubeMQErrorText: 'object',
  channelError: 'function',
  sendChannelError: 'function',
  subscribeChannelError: 'function',
  channelMatches: 'function',
  RequestType: 'object',
  SubscribeType: 'object',
  BODY_FORMAT_TAG: 'string',
  encodeBody: 'function',
  decodeBody: 'function',
  ERROR_TAG: 'string',
};

/** Named exports of `nestjs-kubemq/testing` (lib/testing/index.ts). */
export const TESTING_EXPORTS: Record<string, ExportKind> = {
  KubeMQTestBroker: 'class',
  TEST_BROKER_VERSION: 'string',
  BrokerListenError: 'class',
};

/** Paths the tarball must contain. */
export const REQUIRED_IN_TARBALL = [
  'package.json',
  'README.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  'dist/health/index.js',
  'dist/health/index.d.ts',
  'protos/kubemq.proto',
  'dist/cli/main.js',
];

/** Top-level directories that must never be published. */
export const FORBIDDEN_IN_TARBALL = [
  'test/',
  'build/',
  '.tmp/',
  'node_modules/',
  'lib/',
  'scripts/',
];

export const NEST_RANGE = '^11.0.0 || ^12.0.0';

// ---- Helpers ------------------------------------------------------------------------------

/** Both entry points of the consumer resolved into its unpacked tarball, not the repo's dist/. */
export function assertResolvedInTarball(dir: string, report: Record<string, unknown>): void {
  const installed = join(dir, 'node_modules', 'nestjs-kubemq') + sep;
  for (const key of ['resolved', 'resolvedTesting']) {
    const path = String(report[key]);
    assert.ok(
      path.startsWith(installed),
      `${key} resolved outside the unpacked tarball: ${relative(REPO, path)}`,
    );
  }
}

function findRepoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i += 1) {
    const pkgPath = join(dir, 'package.json');
    if (existsSync(pkgPath)) {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string };
      if (pkg.name === 'nestjs-kubemq') return dir;
    }
    dir = resolve(dir, '..');
  }
  throw new Error(`nestjs-kubemq package root not found above ${__dirname}`);
}

export const REPO = findRepoRoot();

export interface PackageJson {
  name: string;
  version: string;
  main?: string;
  types?: string;
  type?: string;
  exports?: Record<string, string | Record<string, string>>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface ConsumerRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The JSON report the consumer prints as its last stdout line. */
  report: Record<string, unknown>;
}

/** Environment for child processes, without the test runner's own markers. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return env;
}

export function runConsumer(dir: string, file: string): ConsumerRun {
  const res = spawnSync(process.execPath, [file], {
    cwd: dir,
    env: childEnv(),
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  const stdout = res.stdout ?? '';
  const stderr = res.stderr ?? '';
  const where = `${file} (exit ${res.status}, signal ${res.signal})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  assert.ifError(res.error);
  assert.equal(res.status, 0, `consumer failed: ${where}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(last) as Record<string, unknown>;
  } catch {
    assert.fail(`consumer printed no JSON report: ${where}`);
  }
  return { status: res.status, stdout, stderr, report };
}

/** JS source of a function that classifies a value as an ExportKind. */
export const KIND_OF_SOURCE = `function kindOf(value) {
  if (typeof value === 'function') {
    return /^class[\\s{]/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
  }
  return value === null ? 'null' : typeof value;
}`;

// ---- Fixture: pack once, unpack into both consumers --------------------------------------

/** The packed tarball, unpacked into a CommonJS app and an ESM app. */
export interface PackedTarball {
  /** The tarball's paths, sorted. */
  files(): string[];
  /** package.json as published. */
  pkg(): PackageJson | undefined;
  cjsDir(): string;
  esmDir(): string;
}

function unpackInto(tarball: string, consumer: string, type: 'commonjs' | 'module'): void {
  const modules = join(consumer, 'node_modules');
  mkdirSync(modules, { recursive: true });
  // The consumer's own package.json matters: without it the nearest package scope would be
  // the repo itself, and `nestjs-kubemq` would self-resolve to the repo's dist/, not the tarball.
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: `${type}-consumer`, private: true, type }, null, 2),
  );
  execFileSync('tar', ['-xzf', tarball, '-C', modules]);
  // npm tarballs unpack to package/.
  execFileSync('mv', [join(modules, 'package'), join(modules, 'nestjs-kubemq')]);
}

/**
 * Packs dist/ once for the calling test file (in its before() hook) and unpacks it into both
 * consumers; after() removes them unless KEEP_PACK_TMP=1.
 */
export function usePackedTarball(): PackedTarball {
  let work = '';
  let tarballFiles: string[] = [];
  let packedPkg: PackageJson | undefined;
  const cjsDir = (): string => join(work, 'cjs-consumer');
  const esmDir = (): string => join(work, 'esm-consumer');

  before(() => {
    assert.ok(
      existsSync(join(REPO, 'dist', 'index.js')),
      'dist/index.js is missing: run `npm run build` before this test (`npm test` does)',
    );
    const tmpRoot = join(REPO, '.tmp');
    mkdirSync(tmpRoot, { recursive: true });
    work = mkdtempSync(join(tmpRoot, 'pack-'));

    const out = execFileSync(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
      { cwd: REPO, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    assert.ok(info, `npm pack printed no report: ${out}`);
    tarballFiles = info.files.map((f) => f.path).sort();
    const tarball = join(work, info.filename);
    assert.ok(existsSync(tarball), `npm pack did not write ${tarball}`);

    unpackInto(tarball, cjsDir(), 'commonjs');
    unpackInto(tarball, esmDir(), 'module');
    packedPkg = JSON.parse(
      readFileSync(join(cjsDir(), 'node_modules', 'nestjs-kubemq', 'package.json'), 'utf8'),
    ) as PackageJson;
  });

  after(() => {
    if (!work || process.env.KEEP_PACK_TMP === '1') return;
    rmSync(work, { recursive: true, force: true });
    try {
      rmdirSync(join(REPO, '.tmp')); // only when empty: other tests may be using it
    } catch {
      // not empty or already gone
    }
  });

  return { files: () => tarballFiles, pkg: () => packedPkg, cjsDir, esmDir };
}
