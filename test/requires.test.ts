// test/helpers/requires.ts: a test whose requirement is missing is a visible skip on a
// user's machine and a failure in CI, never a silent pass; met requirements run the test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Test } from 'uvu';
import { command, gate, shared } from './helpers/requires.js';

/** A stand-in for uvu's `test` that records what gate() registers. */
function recorder() {
  const calls: { kind: 'test' | 'skip'; name: string; fn: () => unknown }[] = [];
  const t = ((name: string, fn: () => unknown) => calls.push({ kind: 'test', name, fn })) as unknown as Test;
  (t as unknown as { skip: unknown }).skip = (name: string, fn: () => unknown) => calls.push({ kind: 'skip', name, fn });
  return { t, calls };
}

const present = { what: 'a thing this machine has', ok: true };
const absent = { what: 'a thing nobody has', ok: false };

test('met requirements register the test itself', () => {
  const { t, calls } = recorder();
  const fn = () => 42;
  gate(t, [present], false)('runs', fn);
  assert.equal(calls.map((c) => [c.kind, c.name]), [['test', 'runs']]);
  assert.is(calls[0]!.fn, fn);
});

test('a missing requirement is a counted skip naming what is missing', () => {
  const { t, calls } = recorder();
  const log = console.log;
  const printed: string[] = [];
  console.log = (s: string) => printed.push(s);
  try {
    gate(t, [present, absent], false)('needs data', () => 1);
  } finally {
    console.log = log;
  }
  assert.equal(calls.map((c) => c.kind), ['skip']);
  assert.equal(printed, ['SKIP needs data: needs a thing nobody has']);
});

test('in CI (strict) a missing requirement is a test that fails saying what is missing', () => {
  const { t, calls } = recorder();
  gate(t, [absent], true)('needs data', () => 1);
  assert.equal(calls.map((c) => c.kind), ['test']);
  assert.throws(() => calls[0]!.fn(), /needs a thing nobody has.*PCE_REQUIRE_ALL/);
});

test('probes: a command that exists, one that does not, a ../shared path', () => {
  assert.ok(command(process.execPath).ok);
  assert.not.ok(command('/nonexistent/pce-no-such-tool').ok);
  assert.not.ok(shared('no-such-folder-pce').ok);
  assert.match(shared('realpcaps').what, '../shared/realpcaps');
});

test.run();
