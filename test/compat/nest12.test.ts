import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..', '..');
const workDir = join(root, '.tmp', `nest12-${process.pid}`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Nest 12 is ESM-only; our build is CommonJS. This installs Nest 12 from the
 * npm registry beside the packed library and runs a real app through it.
 * Set SKIP_NEST12=1 to skip it offline.
 */
describe(
  'NestJS 12 (ESM) with the packed library',
  { skip: process.env.SKIP_NEST12 ? 'SKIP_NEST12 is set' : false, timeout: 300_000 },
  () => {
    after(() => {
      if (!process.env.KEEP_NEST12_TMP) rmSync(workDir, { recursive: true, force: true });
    });

    it('installs, type-checks with module nodenext, and answers queries, commands, errors, guards and events', () => {
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true });
      execFileSync(npm, ['pack', '--silent', '--pack-destination', workDir], {
        cwd: root,
        stdio: 'pipe',
      });
      const tarball = readdirSync(workDir).find((name) => name.endsWith('.tgz'));
      assert.ok(tarball, 'npm pack produced a tarball');
      writeFileSync(
        join(workDir, 'package.json'),
        JSON.stringify({
          name: 'nest12-consumer',
          private: true,
          type: 'module',
          dependencies: {
            '@nestjs/common': '^12.0.0',
            '@nestjs/core': '^12.0.0',
            '@nestjs/microservices': '^12.0.0',
            '@nestjs/platform-express': '^12.0.0',
            'reflect-metadata': '^0.2.2',
            rxjs: '^7.8.0',
            'nestjs-kubemq': `file:./${tarball}`,
          },
        }),
      );
      execFileSync(
        npm,
        ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
        {
          cwd: workDir,
          stdio: 'pipe',
          timeout: 240_000,
        },
      );
      // Nest 12 does not export its package.json: read the file.
      const manifest = join(workDir, 'node_modules', '@nestjs', 'microservices', 'package.json');
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
      assert.match(version, /^12\./, `installed @nestjs/microservices ${version}`);

      copyFileSync(join(root, 'test', 'compat', 'nest12-app.ts.txt'), join(workDir, 'app.ts'));
      writeFileSync(
        join(workDir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'ES2022',
            strict: true,
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
            skipLibCheck: false,
            types: [],
            outDir: 'out',
          },
          files: ['app.ts'],
        }),
      );
      const tsc = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', workDir],
        { encoding: 'utf8' },
      );
      assert.equal(tsc.status, 0, `tsc against Nest 12 types failed:\n${tsc.stdout}${tsc.stderr}`);

      const run = spawnSync(process.execPath, [join(workDir, 'out', 'app.js')], {
        cwd: workDir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      assert.ok(line, run.stdout);
      const results = JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
      assert.deepEqual(results.query, { doubled: 42, channel: 'compat.query' });
      assert.deepEqual(results.command, { executed: true, isDate: true });
      assert.deepEqual(results.fail, { code: 'E12', message: 'from nest 12' });
      assert.deepEqual(results.guarded, { status: 'error', message: 'Forbidden resource' });
      assert.deepEqual(results.event, { hello: 12 });
    });
  },
);
