import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filterFromFlags, formatFilter, matchesFilter, parseFilterText } from '../../src/ui/alert-filter.js';
import { alert } from './helpers.js';

describe('alert filters', () => {
  it('flags: alternatives per field, all fields must match', () => {
    const f = filterFromFlags({ pattern: 'fraud,bounce', severity: 'crit,warning', key: 'u-1' });
    assert.deepEqual(f, {
      patterns: ['fraud', 'bounce'],
      severities: ['critical', 'warning'],
      keys: ['u-1'],
    });
    assert.equal(matchesFilter(alert('fraud_velocity', 'critical', 'u-12'), f), true);
    assert.equal(matchesFilter(alert('high_bounce_rate', 'warning', 'u-1'), f), true);
    assert.equal(matchesFilter(alert('fraud_velocity', 'info', 'u-1'), f), false);
    assert.equal(matchesFilter(alert('traffic_anomaly', 'critical', 'u-1'), f), false);
    assert.equal(matchesFilter(alert('fraud_velocity', 'critical', 'u-2'), f), false);
  });
  it('prompt text: fields, short names, bare words are patterns; round-trips through formatFilter', () => {
    const f = parseFilterText('  FRAUD  s:crit k:u-7,u-8 p:bounce ');
    assert.deepEqual(f, { patterns: ['FRAUD', 'bounce'], severities: ['critical'], keys: ['u-7', 'u-8'] });
    assert.equal(matchesFilter(alert('fraud_multi_card', 'critical', 'u-8'), f), true);
    assert.deepEqual(parseFilterText(formatFilter(f)), f);
    assert.deepEqual(parseFilterText(''), { patterns: [], severities: [], keys: [] });
  });
  it('says which term is wrong', () => {
    assert.throws(
      () => parseFilterText('severity:urgent'),
      /filter 'severity:urgent': unknown severity 'urgent'/,
    );
    assert.throws(() => parseFilterText('colour:red'), /unknown field 'colour'/);
    assert.throws(() => parseFilterText('key:'), /nothing after 'key:'/);
    assert.throws(() => filterFromFlags({ severity: 'high' }), /--severity: unknown severity 'high'/);
  });
});
