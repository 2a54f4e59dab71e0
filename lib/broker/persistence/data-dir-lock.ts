import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Data directories held by brokers of this process. */
const heldHere = new Set<string>();

/**
 * One broker per data directory: `broker.lock` holds the owner's pid. A
 * lock left by a process that is gone (SIGKILLed) is taken over; one held
 * by a live process, or by another broker of this process, is refused.
 */
export class DataDirLock {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  static take(dir: string): DataDirLock {
    const file = join(dir, 'broker.lock');
    if (heldHere.has(dir)) {
      throw new Error(`the data directory ${dir} is in use by another broker of this process`);
    }
    const owner = readOwner(file);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `the data directory ${dir} is in use by another broker (pid ${owner}; ` +
          `remove ${file} if no broker runs there)`,
      );
    }
    writeFileSync(file, `${process.pid}\n`);
    heldHere.add(dir);
    return new DataDirLock(dir, file);
  }

  release(): void {
    if (!heldHere.delete(this.dir)) return;
    rmSync(this.file, { force: true });
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
