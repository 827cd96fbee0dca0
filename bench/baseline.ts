// BENCH_BASELINE: the service as built from another git ref, in a directory of its own, to be run beside this tree's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** A built baseline. */
export interface Baseline {
  /** The ref as given, with its short commit when the two differ: the label of its rows. */
  ref: string;
  /** The directory holding its tree, its node_modules and its dist/main.js. */
  dir: string;
}

/**
 * Extracts `ref`'s tree from the repository at `root` into `dir` and builds it (`npm run build`). Its node_modules
 * are `root`'s, linked, when its package-lock.json is the same, and its own (`npm ci`) when not. The tree comes
 * from `git archive`, not `git worktree add`, so nothing is registered in the repository that other worktrees share.
 */
export function buildBaseline(ref: string, root: string, dir: string, log: (line: string) => void): Baseline {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch (err) {
    throw new Error(`BENCH_BASELINE=${ref} names no commit of this repository`, { cause: err });
  }
  const short = git('rev-parse', '--short', commit);
  const label = short.startsWith(ref) || ref.startsWith(short) ? short : `${ref} (${short})`;
  mkdirSync(dir, { recursive: true });
  log(`baseline ${label}: extracting its tree into ${dir}`);
  const archive = `${dir}.tar`;
  execFileSync('git', ['archive', '--format=tar', '-o', archive, commit], { cwd: root });
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  // Its output goes to stderr, with the bench's log: stdout is the report.
  const quietly = { cwd: dir, stdio: ['ignore', 2, 2] as ('ignore' | number)[] };
  const lock = (at: string) => readFileSync(path.join(at, 'package-lock.json'), 'utf8');
  if (lock(dir) === lock(root)) {
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  } else {
    log(`baseline ${label}: its package-lock.json differs from this tree's; npm ci`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], quietly);
  }
  log(`baseline ${label}: npm run build`);
  execFileSync('npm', ['run', 'build'], quietly);
  if (!existsSync(path.join(dir, 'dist/main.js'))) throw new Error(`baseline ${label}: the build wrote no dist/main.js`);
  return { ref: label, dir };
}
