// The published package, as users get it: `npm pack` the built dist/, unpack the tarball
// into a CommonJS app and an ESM app, and load it from both with plain `node`.
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
import { after, before, describe, test } from 'node:test';

// ---- The public API the consumers must see. Extend these lists as the API grows. --------

/** What `typeof` says, with classes told apart from plain functions. */
type ExportKind = 'class' | 'function' | 'symbol' | 'object' | 'string' | 'number';

/** Named exports of `nestjs-kubemq` (lib/index.ts). */
const ROOT_EXPORTS: Record<string, ExportKind> = {
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
const TESTING_EXPORTS: Record<string, ExportKind> = {
  KubeMQTestBroker: 'class',
  TEST_BROKER_VERSION: 'string',
  BrokerListenError: 'class',
};

/** Paths the tarball must contain. */
const REQUIRED_IN_TARBALL = [
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
const FORBIDDEN_IN_TARBALL = ['test/', 'build/', '.tmp/', 'node_modules/', 'lib/', 'scripts/'];

const NEST_RANGE = '^11.0.0 || ^12.0.0';

// ---- Helpers ------------------------------------------------------------------------------

/** Both entry points of the consumer resolved into its unpacked tarball, not the repo's dist/. */
function assertResolvedInTarball(dir: string, report: Record<string, unknown>): void {
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

const REPO = findRepoRoot();

interface PackageJson {
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

function runConsumer(dir: string, file: string): ConsumerRun {
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
const KIND_OF_SOURCE = `function kindOf(value) {
  if (typeof value === 'function') {
    return /^class[\\s{]/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
  }
  return value === null ? 'null' : typeof value;
}`;

// ---- Fixture: pack once, unpack into both consumers --------------------------------------

let work = '';
let tarballFiles: string[] = [];
let packedPkg: PackageJson | undefined;
const cjsDir = (): string => join(work, 'cjs-consumer');
const esmDir = (): string => join(work, 'esm-consumer');

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

// ---- Tests --------------------------------------------------------------------------------

describe('npm package', () => {
  test('tarball contains the build, the proto and the README, and nothing else of the repo', () => {
    for (const path of REQUIRED_IN_TARBALL) {
      assert.ok(
        tarballFiles.includes(path),
        `tarball lacks ${path}; it has:\n${tarballFiles.join('\n')}`,
      );
    }
    for (const path of tarballFiles) {
      for (const bad of FORBIDDEN_IN_TARBALL) {
        assert.ok(!path.startsWith(bad), `tarball must not contain ${path}`);
      }
      assert.ok(!path.includes('node_modules/'), `tarball must not contain ${path}`);
      assert.ok(!/\.test\.(js|d\.ts)$/.test(path), `tarball must not contain test file ${path}`);
      assert.ok(!path.endsWith('.tsbuildinfo'), `tarball must not contain ${path}`);
    }
  });

  test('package.json: exports with types, peer dependencies, engines', () => {
    const pkg = packedPkg;
    assert.ok(pkg);
    assert.equal(
      pkg.type ?? 'commonjs',
      'commonjs',
      'dist/ is CommonJS: package must not be "type": "module"',
    );
    const exp = pkg.exports ?? {};
    for (const entry of ['.', './testing', './health']) {
      const target = exp[entry];
      assert.ok(
        target && typeof target === 'object',
        `exports["${entry}"] must be a conditions object`,
      );
      assert.ok(target.types, `exports["${entry}"] has no "types"`);
      assert.ok(target.default ?? target.require, `exports["${entry}"] has no "default"/"require"`);
      // "types" must come first: TypeScript picks the first matching condition.
      assert.equal(
        Object.keys(target)[0],
        'types',
        `exports["${entry}"]: "types" must be listed first`,
      );
      for (const [cond, file] of Object.entries(target)) {
        const path = file.replace(/^\.\//, '');
        assert.ok(
          tarballFiles.includes(path),
          `exports["${entry}"].${cond} -> ${file} is not in the tarball`,
        );
      }
    }
    const peers = pkg.peerDependencies ?? {};
    for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/microservices']) {
      assert.equal(peers[name], NEST_RANGE, `peerDependencies["${name}"]`);
    }
    for (const name of ['rxjs', 'reflect-metadata']) {
      assert.ok(peers[name], `peerDependencies lacks ${name}`);
    }
    // A second, bundled copy of these breaks `instanceof RpcException` in users' apps.
    for (const name of [...Object.keys(peers)]) {
      assert.ok(
        !pkg.dependencies?.[name],
        `${name} must be a peer dependency only, not a dependency`,
      );
    }
    assert.equal(pkg.engines?.node, '>=20.19', 'engines.node');
  });

  test('loads from a CommonJS app with require()', (t) => {
    const dir = cjsDir();
    const source = `'use strict';
${KIND_OF_SOURCE}
const root = require('nestjs-kubemq');
const testing = require('nestjs-kubemq/testing');
const report = {
  resolved: require.resolve('nestjs-kubemq'),
  resolvedTesting: require.resolve('nestjs-kubemq/testing'),
  version: require('nestjs-kubemq/package.json').version,
  root: Object.fromEntries(Object.keys(root).filter((k) => k !== '__esModule').map((k) => [k, kindOf(root[k])])),
  testing: Object.fromEntries(Object.keys(testing).filter((k) => k !== '__esModule').map((k) => [k, kindOf(testing[k])])),
};
console.log(JSON.stringify(report));
`;
    writeFileSync(join(dir, 'index.cjs'), source);
    const { report } = runConsumer(dir, 'index.cjs');
    assertResolvedInTarball(dir, report);
    assert.equal(report.version, packedPkg?.version);
    const root = report.root as Record<string, string>;
    const testing = report.testing as Record<string, string>;
    for (const [name, kind] of Object.entries(ROOT_EXPORTS)) {
      assert.equal(
        root[name],
        kind,
        `require('nestjs-kubemq').${name}; exports: ${JSON.stringify(root)}`,
      );
    }
    for (const [name, kind] of Object.entries(TESTING_EXPORTS)) {
      assert.equal(
        testing[name],
        kind,
        `require('nestjs-kubemq/testing').${name}; exports: ${JSON.stringify(testing)}`,
      );
    }
    // Exports not in the lists above are allowed; name them so the lists can be extended.
    const unlisted = [
      ...Object.keys(root).filter((name) => !(name in ROOT_EXPORTS)),
      ...Object.keys(testing)
        .filter((name) => !(name in TESTING_EXPORTS))
        .map((name) => `testing:${name}`),
    ];
    if (unlisted.length > 0) t.diagnostic(`exports not checked by kind: ${unlisted.join(', ')}`);
  });

  test('loads from an ESM app with named imports, and the test broker starts and stops', () => {
    const dir = esmDir();
    const rootNames = Object.keys(ROOT_EXPORTS);
    const testingNames = Object.keys(TESTING_EXPORTS);
    const source = `${KIND_OF_SOURCE}
// Named imports: these only link if Node's CJS named-export detection sees them in dist/.
import { ${rootNames.join(', ')} } from 'nestjs-kubemq';
import { ${testingNames.join(', ')} } from 'nestjs-kubemq/testing';
import * as rootNs from 'nestjs-kubemq';
import * as testingNs from 'nestjs-kubemq/testing';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Server, ClientProxy, BaseRpcContext } from '@nestjs/microservices';

const require = createRequire(import.meta.url);
const named = { ${rootNames.join(', ')} };
const namedTesting = { ${testingNames.join(', ')} };
const report = {
  resolved: fileURLToPath(import.meta.resolve('nestjs-kubemq')),
  resolvedTesting: fileURLToPath(import.meta.resolve('nestjs-kubemq/testing')),
  root: Object.fromEntries(Object.entries(named).map(([k, v]) => [k, kindOf(v)])),
  testing: Object.fromEntries(Object.entries(namedTesting).map(([k, v]) => [k, kindOf(v)])),
  // Every CommonJS export must also be an ESM named export.
  cjsRootKeys: Object.keys(require('nestjs-kubemq')).filter((k) => k !== '__esModule').sort(),
  esmRootKeys: Object.keys(rootNs).filter((k) => k !== 'default' && k !== '__esModule').sort(),
  cjsTestingKeys: Object.keys(require('nestjs-kubemq/testing')).filter((k) => k !== '__esModule').sort(),
  esmTestingKeys: Object.keys(testingNs).filter((k) => k !== 'default' && k !== '__esModule').sort(),
  // The package must share the app's @nestjs/microservices (peer dependency), not bundle one.
  serverExtendsNest: ServerKubeMQ.prototype instanceof Server,
  clientExtendsNest: ClientKubeMQ.prototype instanceof ClientProxy,
  contextExtendsNest: KubeMQContext.prototype instanceof BaseRpcContext,
};

const broker = await KubeMQTestBroker.start();
report.address = broker.address;
await broker.stop();
report.stopped = true;
console.log(JSON.stringify(report));
// No process.exit(): the process must end on its own once the broker has stopped.
`;
    writeFileSync(join(dir, 'index.mjs'), source);
    const { report } = runConsumer(dir, 'index.mjs');
    assertResolvedInTarball(dir, report);
    assert.deepEqual(report.root, { ...ROOT_EXPORTS });
    assert.deepEqual(report.testing, { ...TESTING_EXPORTS });
    assert.deepEqual(
      report.esmRootKeys,
      report.cjsRootKeys,
      'ESM named exports of nestjs-kubemq differ from require()',
    );
    assert.deepEqual(
      report.esmTestingKeys,
      report.cjsTestingKeys,
      'ESM named exports of nestjs-kubemq/testing differ from require()',
    );
    assert.equal(
      report.serverExtendsNest,
      true,
      "ServerKubeMQ must extend the app's @nestjs/microservices Server",
    );
    assert.equal(
      report.clientExtendsNest,
      true,
      "ClientKubeMQ must extend the app's @nestjs/microservices ClientProxy",
    );
    assert.equal(
      report.contextExtendsNest,
      true,
      "KubeMQContext must extend the app's BaseRpcContext",
    );
    assert.match(String(report.address), /^127\.0\.0\.1:\d{2,5}$/, 'KubeMQTestBroker address');
    assert.equal(report.stopped, true);
  });
});
