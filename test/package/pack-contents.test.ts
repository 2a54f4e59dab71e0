// The published package's contents: what `npm pack` puts in the tarball, and its package.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORBIDDEN_IN_TARBALL, NEST_RANGE, REQUIRED_IN_TARBALL, usePackedTarball } from './packed';

const packed = usePackedTarball();

describe('npm package: contents', () => {
  test('tarball contains the build, the proto and the README, and nothing else of the repo', () => {
    for (const path of REQUIRED_IN_TARBALL) {
      assert.ok(
        packed.files().includes(path),
        `tarball lacks ${path}; it has:\n${packed.files().join('\n')}`,
      );
    }
    for (const path of packed.files()) {
      for (const bad of FORBIDDEN_IN_TARBALL) {
        assert.ok(!path.startsWith(bad), `tarball must not contain ${path}`);
      }
      assert.ok(!path.includes('node_modules/'), `tarball must not contain ${path}`);
      assert.ok(!/\.test\.(js|d\.ts)$/.test(path), `tarball must not contain test file ${path}`);
      assert.ok(!path.endsWith('.tsbuildinfo'), `tarball must not contain ${path}`);
    }
  });

  test('package.json: exports with types, peer dependencies, engines', () => {
    const pkg = packed.pkg();
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
          packed.files().includes(path),
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
});
