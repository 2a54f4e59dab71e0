import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..', '..');
const workDir = join(root, '.tmp', `readme-snippets-${process.pid}`);

/** The ```ts blocks of README.md, in order. */
function readmeSnippets(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe('README snippets', () => {
  const snippets = readmeSnippets();

  before(() => {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(join(workDir, 'node_modules'), { recursive: true });
    // The snippets import 'nestjs-kubemq' as an app would: resolve it to this package (dist/).
    symlinkSync(root, join(workDir, 'node_modules', 'nestjs-kubemq'), 'dir');
    snippets.forEach((code, i) => writeFileSync(join(workDir, `snippet-${i + 1}.ts`), code));
    writeFileSync(
      join(workDir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: {
          rootDir: '.',
          outDir: 'out',
          declaration: false,
          sourceMap: false,
          paths: {},
        },
        include: ['snippet-*.ts'],
      }),
    );
  });

  after(() => {
    if (!process.env.KEEP_README_TMP) rmSync(workDir, { recursive: true, force: true });
  });

  it('has the tour: bootstrap, hybrid app, handlers, context, errors, events, client, testing', () => {
    assert.ok(snippets.length >= 8, `found ${snippets.length} ts snippets`);
    const all = snippets.join('\n');
    for (const needle of [
      'createMicroservice',
      'connectMicroservice',
      "{ type: 'query' }",
      'KubeMQContext',
      'RpcException',
      '@EventPattern',
      'ClientsModule.register',
      'KubeMQTestBroker.start',
      'ClientsModule.registerAsync',
      'AsyncMicroserviceOptions',
      'KubeMQHealthIndicator',
      "type: 'events-store'",
      'storeEvents(',
      'implements KubeMQSerializer',
      'setGlobalTracerProvider',
      'trace.getActiveSpan()',
    ]) {
      assert.ok(all.includes(needle), `README shows ${needle}`);
    }
  });

  it('every snippet compiles against the built package (strict TypeScript)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(workDir, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
  });

  it('the testing snippet runs: a Nest microservice answers a query through KubeMQTestBroker', () => {
    const index = snippets.findIndex((code) => code.includes('pingPongTest'));
    assert.ok(index >= 0, 'README has the testing snippet');
    const script = `require('reflect-metadata'); require('./out/snippet-${index + 1}.js').pingPongTest().then(() => console.log('README-OK'), (e) => { console.error(e); process.exit(1); });`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /README-OK/);
  });
});
