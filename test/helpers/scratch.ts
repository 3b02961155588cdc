/**
 * Scratch directories for tests: a fresh directory under the OS temp
 * directory, removed when the test file's process exits, passed or failed
 * (each test file runs in its own process, test/run.js). Without this, every
 * `npm test` left some 30 directories, up to megabytes each, in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
