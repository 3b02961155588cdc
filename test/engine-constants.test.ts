/** assembly/blob/constants.ts is generated from src/blob/constants.ts and must be up to date. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSEMBLY_CONSTANTS_PATH, renderAssemblyConstants } from '../tools/gen-constants.js';

test('assembly/blob/constants.ts == gen-constants output (run `node dist/tools/gen-constants.js`)', () => {
  const root = new URL('../../', import.meta.url);
  const committed = readFileSync(new URL(ASSEMBLY_CONSTANTS_PATH, root), 'utf8');
  assert.fixture(committed, renderAssemblyConstants());
});

test.run();
