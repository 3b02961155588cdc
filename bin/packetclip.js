#!/usr/bin/env node
// Thin launcher (exit status 0 ok, 1 input error, 2 usage error): the CLI is TypeScript compiled to dist/ by `npm run build`
// (which `npm ci` runs through the prepare script).
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`packetclip: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = err instanceof Error && err.name === 'UsageError' ? 2 : 1; // 2: usage, 1: input
  },
);
