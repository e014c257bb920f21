import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean } from '../../src/config/suggest.js';

test('did-you-mean suggests typos within a third of the length, ties included, and whole words', () => {
  const views = ['realtime', 'business', 'sessions', 'kpis', 'products.tumbling', 'products.hopping'];
  assert.deepEqual(closest('realtim', views), ['realtime']);
  assert.deepEqual(closest('REALTIME', views), ['realtime']);
  assert.deepEqual(closest('sesions', views), ['sessions']);
  assert.deepEqual(closest('kpsi', views), ['kpis']); // one swap
  assert.deepEqual(closest('nosuchview', views), []);
  assert.deepEqual(closest('ab', ['ax', 'ay', 'abc']), ['ax', 'ay', 'abc']);
  assert.equal(didYouMean('realtme', views), ' (did you mean realtime?)');
  assert.equal(didYouMean('nosuchview', views), '');
  assert.equal(didYouMean('depth', ['page_depth', 'page_url']), ' (did you mean page_depth?)');
  assert.equal(
    didYouMean('Premium', ['premium', 'new'], (v) => `'${v}'`),
    " (did you mean 'premium'?)",
  );
  assert.equal(didYouMean('ab', ['ax', 'ay']), ' (did you mean ax or ay?)');
});
