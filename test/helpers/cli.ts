/** Running the real `packetclip` command, the real-capture table, and small stream helpers for CLI tests. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { shared } from './requires.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/helpers -> repo root
/** ../shared/realpcaps: tests that read it go through requires(test, realpcaps). */
export const realpcaps = shared('realpcaps');
export const realDir = realpcaps.path;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/packetclip.js with `args` from the repo root. */
export function packetclip(args: string[]): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/packetclip.js'), ...args], { cwd: repoRoot });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** test/fixtures/realpcaps-counts.tsv: [path relative to realpcaps, packets] (gate the test on `realpcaps`). */
export function realCaptures(): { file: string; path: string; packets: number }[] {
  return readFileSync(join(repoRoot, 'test/fixtures/realpcaps-counts.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('path\t'))
    .map((line) => line.split('\t'))
    .map(([file, packets]) => ({ file: file!, path: join(realDir, file!), packets: Number(packets) }));
}

/** A Writable that keeps everything written to it as text. */
export class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}
