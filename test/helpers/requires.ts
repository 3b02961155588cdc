/**
 * Tests that need something a fresh clone may lack (../shared beside the
 * repository, a Debian tool, a Python module) are registered through
 * `requires`: where the thing is missing they are skipped, visibly (uvu counts
 * them and test/run.js prints "K skipped"), with what they need in the name.
 * CI sets PCE_REQUIRE_ALL=1 (.ci/run): there a missing requirement is a
 * failing test, never a skip, so nothing CI is meant to run can go quiet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'uvu';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/helpers -> repo root

/** Something a test needs: what it is (for the skip line) and whether this machine has it. */
export interface Requirement {
  readonly what: string;
  readonly ok: boolean;
}

/** True when every requirement must be met (CI). */
export const requireAll = process.env.PCE_REQUIRE_ALL === '1';

/** A path under ../shared (e.g. 'realpcaps'), beside the repository. */
export function shared(sub: string): Requirement & { path: string } {
  const path = resolve(repoRoot, '..', 'shared', sub);
  return { what: `../shared/${sub}`, ok: existsSync(path), path };
}

/** A command on PATH (or an absolute path) that runs. */
export function command(name: string, versionArg = '--version'): Requirement {
  const r = spawnSync(name, [versionArg], { stdio: 'ignore', timeout: 20_000 });
  return { what: `the command ${name}`, ok: r.error === undefined };
}

/** A Python module importable by `python` (default Debian's /usr/bin/python3). */
export function pythonModule(module: string, python = '/usr/bin/python3'): Requirement {
  const r = spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
  return { what: `the Python module ${module} (${python})`, ok: r.status === 0 };
}

/**
 * `test` of uvu, gated on `reqs`: registers the test when all are met, a
 * skipped test naming the missing ones otherwise, and under PCE_REQUIRE_ALL a
 * test that fails saying what is missing.
 */
export function requires(test: Test, ...reqs: Requirement[]): (name: string, fn: () => unknown) => void {
  return gate(test, reqs, requireAll);
}

/** requires() with the CI switch as a parameter (tested in test/requires.test.ts). */
export function gate(test: Test, reqs: readonly Requirement[], strict: boolean): (name: string, fn: () => unknown) => void {
  const missing = reqs.filter((r) => !r.ok).map((r) => r.what);
  return (name, fn) => {
    if (missing.length === 0) test(name, fn as () => void);
    else if (strict) {
      test(name, () => {
        throw new Error(`needs ${missing.join(', ')}, which this machine lacks (PCE_REQUIRE_ALL=1: CI must have it)`);
      });
    } else {
      console.log(`SKIP ${name}: needs ${missing.join(', ')}`);
      test.skip(name, fn as () => void);
    }
  };
}
