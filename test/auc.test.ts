// The AUC the shipped-model test compares against models/report.json (sklearn's roc_auc_score):
// hand-computed cases, ties counted as one half, and the undefined case refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rocAuc } from './helpers/auc.js';

test('rocAuc: perfect, reversed and hand-computed orderings', () => {
  assert.is(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]), 1);
  assert.is(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]), 0);
  // positives 0.35 and 0.8 against negatives 0.1, 0.4: pairs won 1 + 2 of 4
  assert.is(rocAuc([0.1, 0.35, 0.4, 0.8], [false, true, false, true]), 0.75);
});

test('rocAuc: a tie between a positive and a negative counts one half', () => {
  assert.is(rocAuc([0.5, 0.5], [true, false]), 0.5);
  // positive 0.5 ties one negative, beats 0.2: (1 + 0.5) / 2
  assert.is(rocAuc([0.2, 0.5, 0.5], [false, false, true]), 0.75);
});

test('rocAuc: one class only or mismatched lengths is an error', () => {
  assert.throws(() => rocAuc([0.1, 0.2], [true, true]), /both positives and negatives/);
  assert.throws(() => rocAuc([0.1], [true, false]), /1 scores, 2 labels/);
});

test.run();
