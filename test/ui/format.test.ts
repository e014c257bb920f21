import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  fmtAge,
  fmtClock,
  fmtCount,
  fmtMs,
  fmtPartitionLag,
  fmtRate,
  lagByTopic,
} from '../../src/ui/format.js';

describe('format', () => {
  it('groups thousands and shortens millions', () => {
    assert.deepEqual([0, 999, 1000, 1234567, -4321, 2_500_000_000].map(fmtCount), [
      '0',
      '999',
      '1,000',
      '1.23M',
      '-4,321',
      '2.5G',
    ]);
  });
  it('rates, latencies, clocks and ages', () => {
    assert.deepEqual([0, 0.25, 12.5, 850, 1234, 12_345, null].map(fmtRate), [
      '0/s',
      '0.3/s',
      '12.5/s',
      '850/s',
      '1,234/s',
      '12.3k/s',
      '-',
    ]);
    assert.deepEqual([0.44, 12.4, 1250, 185_000, undefined].map(fmtMs), [
      '0.4ms',
      '12ms',
      '1.25s',
      '3m05s',
      '-',
    ]);
    assert.deepEqual([75, 3725].map(fmtClock), ['01:15', '1:02:05']);
    assert.deepEqual([null, 500, 4200, 130_000].map(fmtAge), ['never', 'now', '4s ago', '2m10s ago']);
  });
  it('groups partition lag by topic in partition order', () => {
    const t = lagByTopic({
      'orders/2': 5,
      'orders/0': 1,
      'website-analytics-events/10': 3,
      'website-analytics-events/9': 0,
    });
    assert.deepEqual(t, [
      {
        topic: 'orders',
        partitions: [
          { partition: 0, lag: 1 },
          { partition: 2, lag: 5 },
        ],
        total: 6,
      },
      {
        topic: 'website-analytics-events',
        partitions: [
          { partition: 9, lag: 0 },
          { partition: 10, lag: 3 },
        ],
        total: 3,
      },
    ]);
    assert.equal(fmtPartitionLag({ 'orders/0': 1, 'orders/1': 0 }, 80), 'orders[1 0]');
    assert.equal(fmtPartitionLag({ 'orders/0': 1, 'orders/1': 7, 'user-events/0': 0 }, 12), 'orders Σ8 m…');
    assert.equal(fmtPartitionLag({}, 80), 'no partitions yet');
  });
});
