#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm run build`
// (which `npm ci` runs through the prepare script).
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`packetclip: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
