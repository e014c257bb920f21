import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, ViewResult } from '../../../src/events/results.js';
import { alertLine, measurementOf, resultLine } from '../../../src/sinks/influx/points.js';

const settings = { measurementPrefix: 'rtap_', alertMeasurement: 'rtap_alerts', tags: {} };
const noInvalid = () => assert.fail('no field should be invalid here');

function result(over: Partial<ViewResult> = {}): ViewResult {
  return {
    view: 'kpis',
    key: 'USD',
    window_start: 1_700_000_000_000,
    window_end: 1_700_000_060_000,
    emit: 'final',
    emitted_at: 1_700_000_061_234.5,
    watermark: 1_700_000_060_500,
    last_intended_send_time: 1_700_000_059_000,
    event_count: 42,
    fields: {},
    ...over,
  };
}

describe('influx point encoding', () => {
  it('writes a view result as measurement rtap_<view>, tag key, time = window end in ms', () => {
    const line = resultLine(result({ fields: { revenue: 100 } }), settings, noInvalid);
    assert.equal(
      line,
      'rtap_kpis,key=USD event_count=42i,revenue=100,window_start=1700000000000i 1700000060000',
    );
  });

  it('flattens nested objects with dots, arrays as JSON strings, booleans, strings, and omits nulls', () => {
    const line = resultLine(
      result({
        key: '',
        fields: {
          funnel: { view_to_cart: 0.25, cart: { to_purchase: 0.5 } },
          top: [{ id: 'p1', n: 3 }],
          anomalous: true,
          busiest: 'mobile device',
          aov: null,
        },
      }),
      settings,
      noInvalid,
    );
    // Hand-written expectation: fields sorted by name, no key tag for a global view, quotes escaped in strings.
    assert.equal(
      line,
      'rtap_kpis anomalous=T,busiest="mobile device",event_count=42i,funnel.cart.to_purchase=0.5,' +
        'funnel.view_to_cart=0.25,top="[{\\"id\\":\\"p1\\",\\"n\\":3}]",window_start=1700000000000i 1700000060000',
    );
  });

  it('keeps the fields event_count/window_start of the result when it has them', () => {
    const line = resultLine(result({ fields: { event_count: 7.5, window_start: 'x' } }), settings, noInvalid);
    assert.equal(line, 'rtap_kpis,key=USD event_count=7.5,window_start="x" 1700000060000');
  });

  it('reports NaN and Infinity instead of writing them', () => {
    const seen: string[] = [];
    const line = resultLine(result({ fields: { a: NaN, b: { c: Infinity }, d: 1 } }), settings, (m, f, v) =>
      seen.push(`${m}/${f}/${v}`),
    );
    assert.deepEqual(seen, ['rtap_kpis/a/NaN', 'rtap_kpis/b.c/Infinity']);
    assert.equal(line, 'rtap_kpis,key=USD d=1,event_count=42i,window_start=1700000000000i 1700000060000');
  });

  it('escapes tag values and replaces raw newlines, which would split the line', () => {
    const line = resultLine(result({ key: 'a b,c=d', fields: { note: 'x\ny' } }), settings, noInvalid);
    assert.equal(
      line,
      'rtap_kpis,key=a\\ b\\,c\\=d event_count=42i,note="x\\\\ny",window_start=1700000000000i 1700000060000',
    );
    assert.equal(line.includes('\n'), false);
  });

  it('adds the configured tags to every point', () => {
    const line = resultLine(result(), { ...settings, tags: { run: 'r1' } }, noInvalid);
    assert.equal(line, 'rtap_kpis,key=USD,run=r1 event_count=42i,window_start=1700000000000i 1700000060000');
  });

  it('sanitises view names into measurement names', () => {
    assert.equal(measurementOf('products.tumbling', 'rtap_'), 'rtap_products_tumbling');
    assert.equal(measurementOf('revenue-by currency', 'x_'), 'x_revenue_by_currency');
  });

  it('writes an alert at its last event time with pattern, severity, key and alert id as tags', () => {
    const alert: Alert = {
      alert_id: 'al-1',
      pattern: 'cart_abandon',
      severity: 'warning',
      key: 'u7',
      message: 'cart abandoned',
      events: [{ variable: 'A', event_id: 'e1', kind: 'conversion', event_time: 5 }],
      first_event_time: 5,
      last_event_time: 9,
      detected_at: 1000.4,
      trigger_intended_send_time: 8,
    };
    assert.equal(
      alertLine(alert, settings),
      'rtap_alerts,alert_id=al-1,key=u7,pattern=cart_abandon,severity=warning detected_at=1000i,event_count=1i,' +
        'events="[{\\"variable\\":\\"A\\",\\"event_id\\":\\"e1\\",\\"kind\\":\\"conversion\\",\\"event_time\\":5}]",' +
        'first_event_time=5i,message="cart abandoned" 9',
    );
  });

  it('encodes the same result to the same line every time (re-emission overwrites the same point)', () => {
    const r = result({ fields: { b: 2, a: { y: 1, x: 2 } } });
    assert.equal(resultLine(r, settings, noInvalid), resultLine(structuredClone(r), settings, noInvalid));
  });
});
