import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** The repository root: the first directory above this file with package.json and faults/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'faults'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`faults: repository root not found above ${__dirname}`);
}

/** faults/results/ (committed results). */
export function resultsDir(): string {
  return join(repoRoot(), 'faults', 'results');
}

/** Where the child processes' output goes (git-ignored), created on first use. */
export function logsDir(): string {
  const dir = join(repoRoot(), '.tmp', 'faults-logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A compiled app of faults/apps/ (in .tmp/faults/faults/apps/). */
export function appScript(name: string): string {
  return join(__dirname, 'apps', `${name}.js`);
}
