import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from '../dist/sum.js';
import { mean } from '../dist/mean.js';

test('sum adds', () => assert.equal(sum(1, 2, 3), 6));
test('mean averages', () => assert.equal(mean(2, 4), 3));
test('mean of nothing is NaN', () => assert.ok(Number.isNaN(mean())));
