/** Output paths are checked before any work: a missing folder or a directory is a one-line error, not a stack trace after the run. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function checkOutputPath(path: string, option: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`${option} ${path}: is a directory; give a file name`);
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new Error(`${option} ${path}: folder ${dirname(path)} does not exist`);
  if (!statSync(folder).isDirectory()) throw new Error(`${option} ${path}: ${dirname(path)} is not a folder`);
}
