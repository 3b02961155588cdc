/**
 * assembly/blob/constants.ts and firmware/include/pce_blob.h are generated
 * from src/blob/constants.ts and must be up to date.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSEMBLY_CONSTANTS_PATH, C_CONSTANTS_PATH, renderAssemblyConstants, renderCConstants } from '../tools/gen-constants.js';

const root = new URL('../../', import.meta.url);

test('assembly/blob/constants.ts == gen-constants output (run `node dist/tools/gen-constants.js`)', () => {
  assert.fixture(readFileSync(new URL(ASSEMBLY_CONSTANTS_PATH, root), 'utf8'), renderAssemblyConstants());
});

test('firmware/include/pce_blob.h == gen-constants output (run `node dist/tools/gen-constants.js`)', () => {
  assert.fixture(readFileSync(new URL(C_CONSTANTS_PATH, root), 'utf8'), renderCConstants());
});

test.run();
