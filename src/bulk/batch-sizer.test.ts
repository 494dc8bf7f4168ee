import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchSizer } from './bulk.job.ts';

describe('bulk batch sizes', () => {
  test('on a PostgreSQL server every batch has the configured size', () => {
    const sizer = new BatchSizer(1000, undefined);
    assert.equal(sizer.size, 1000);
    sizer.record(1000, 60_000);
    assert.equal(sizer.size, 1000);
  });

  test('on the embedded database batches start small, grow at most fourfold, and fit the time', () => {
    const sizer = new BatchSizer(1000, 100);
    assert.equal(sizer.size, 10);
    // Cheap rows (0.05 ms each): the size grows 10 → 40 → 160 → 640 → 1000, never past the maximum.
    const sizes: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      sizer.record(sizer.size, sizer.size * 0.05);
      sizes.push(sizer.size);
    }
    assert.deepEqual(sizes, [40, 160, 640, 1000, 1000]);
  });

  test('on the embedded database costly rows make small batches, down to one row', () => {
    const sizer = new BatchSizer(1000, 100);
    sizer.record(10, 250); // 25 ms a row (row-by-row edits with group and admin-role changes)
    assert.equal(sizer.size, 4);
    sizer.record(4, 100);
    assert.equal(sizer.size, 4);
    sizer.record(4, 2000); // 500 ms a row: one row at a time
    assert.equal(sizer.size, 1);
    sizer.record(0, 0); // an empty window says nothing about the cost of a row
    assert.equal(sizer.size, 1);
  });
});
