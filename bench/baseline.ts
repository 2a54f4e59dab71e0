import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * `--baseline=<git ref>`: builds lib/ as it was at `ref` (git archive +
 * tsc, under .tmp/bench-base/) so that the `ours-base` contender runs the
 * same Nest apps on it, side by side with the working tree's `ours`.
 * Returns the path of the built package entry (dist/index.js).
 */
export function buildBaseline(ref: string): string {
  const root = repoRoot();
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  const dir = join(root, '.tmp', 'bench-base', commit);
  const entry = join(dir, 'dist', 'index.js');
  if (existsSync(entry)) return entry;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync(
    'git',
    ['archive', commit, 'lib', 'protos', 'tsconfig.json', 'tsconfig.build.json'],
    {
      cwd: root,
      maxBuffer: 256 * 2 ** 20,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  console.log(`[bench] building the baseline ${ref} (${commit}) in ${dir}`);
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(dir, 'tsconfig.build.json'),
    ],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  return entry;
}
