import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the first directory above this file that has package.json and bench/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`bench: repository root not found above ${__dirname}`);
}

/** protos/kubemq.proto of this repository. */
export function protoFile(): string {
  return join(repoRoot(), 'protos', 'kubemq.proto');
}

/** bench/results/ (committed results and, git-ignored, CPU profiles). */
export function resultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}

/** A compiled bench script next to this file (in .tmp/bench/bench/). */
export function script(name: string): string {
  return join(__dirname, `${name}.js`);
}
