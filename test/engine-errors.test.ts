/**
 * src/engine-errors.ts is generated from assembly/blob/errors.ts and must be
 * up to date, and the built engine must say what it says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ENGINE_ERROR_COUNT, ENGINE_ERROR_MESSAGES, ENGINE_ERRORS, engineMessage, instantiateEngine } from '../src/engine.js';
import { ENGINE_ERRORS_PATH, ENGINE_ERRORS_SOURCE_PATH, parseEngineErrors, renderEngineErrors } from '../tools/gen-engine-errors.js';
import { repoRoot } from './helpers/cli.js';

const source = readFileSync(join(repoRoot, ENGINE_ERRORS_SOURCE_PATH), 'utf8');

test('src/engine-errors.ts == gen-engine-errors output (run `node dist/tools/gen-engine-errors.js`)', () => {
  assert.fixture(readFileSync(join(repoRoot, ENGINE_ERRORS_PATH), 'utf8'), renderEngineErrors(source));
});

test('the generator refuses a gap, a missing message or a wrong count', () => {
  assert.throws(() => parseEngineErrors(source.replace('PCE_ERR_BLOB_RANGE = 2;', 'PCE_ERR_BLOB_RANGE = 3;')), /expected 2/);
  assert.throws(() => parseEngineErrors(source.replace("case PCE_ERR_CRC: return", "case PCE_ERR_CRC_: return")), /no message for PCE_ERR_CRC/);
  assert.throws(() => parseEngineErrors(source.replace(/PCE_ERR_COUNT = \d+;/, 'PCE_ERR_COUNT = 1;')), /PCE_ERR_COUNT = 1/);
});

test('both builds: pce_error_message(code) is the generated message, for every code', async () => {
  assert.is(Object.keys(ENGINE_ERRORS).length, ENGINE_ERROR_COUNT);
  for (const simd of [true, false]) {
    const x = await instantiateEngine(simd);
    for (const [name, code] of Object.entries(ENGINE_ERRORS)) assert.is(engineMessage(x, code), ENGINE_ERROR_MESSAGES[code], name);
    assert.is(engineMessage(x, ENGINE_ERROR_COUNT), 'unknown error code');
  }
});

test.run();
