// The published package, as users get it: unpacked into a CommonJS app and an ESM app, and
// loaded from both with plain `node`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  KIND_OF_SOURCE,
  ROOT_EXPORTS,
  TESTING_EXPORTS,
  assertResolvedInTarball,
  runConsumer,
  usePackedTarball,
} from './packed';

const packed = usePackedTarball();

describe('npm package: loaded by apps', () => {
  test('loads from a CommonJS app with require()', (t) => {
    const dir = packed.cjsDir();
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
    assert.equal(report.version, packed.pkg()?.version);
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
    const dir = packed.esmDir();
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
