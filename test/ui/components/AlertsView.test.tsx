import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { cleanup, render } from 'ink-testing-library';
import type { Alert } from '../../../src/events/results.js';
import { EMPTY_FILTER, type AlertFilter } from '../../../src/ui/alert-filter.js';
import { AlertsView } from '../../../src/ui/components/AlertsView.js';
import { alert, settle, waitForFrame } from '../helpers.js';

afterEach(() => cleanup());

class Feed extends EventEmitter<{ alert: [Alert]; status: [string] }> {}

function mount(
  o: {
    filter?: AlertFilter;
    max?: number;
    now?: () => number;
    onDone?: () => void;
    onQuit?: () => void;
    width?: number;
  } = {},
) {
  const feed = new Feed();
  const app = render(
    <AlertsView
      feed={feed}
      status={feed}
      source="cep-alerts on kafka 127.0.0.1:9092"
      filter={o.filter ?? EMPTY_FILTER}
      max={o.max}
      refreshMs={5}
      color={false}
      width={o.width ?? 120}
      keys
      now={o.now}
      onDone={o.onDone}
      onQuit={o.onQuit}
    />,
  );
  return { feed, app, frame: () => app.lastFrame() ?? '' };
}

/** Independent count of the alert lines in a frame, by severity label. */
function lines(frame: string, label: string): string[] {
  return frame.split('\n').filter((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${label} `).test(l));
}

describe('AlertsView', () => {
  it('prints each alert once as a line and counts them per severity and pattern in the footer', async () => {
    const { feed, frame } = mount();
    const sent = [
      alert('fraud_multi_country', 'critical', 'u-1'),
      alert('high_bounce_rate', 'warning', ''),
      alert('fraud_multi_country', 'critical', 'u-2'),
      alert('traffic_spike', 'info', ''),
      alert('fraud_multi_card', 'critical', 'u-3'),
    ];
    for (const a of sent) feed.emit('alert', a);
    feed.emit('status', 'following (caught up)');
    // The footer counts an alert when it arrives, the line is printed at the next frame: wait for both.
    const f = await waitForFrame(frame, /CRIT fraud_multi_card u-3[\s\S]*5 alerts/);
    assert.equal(lines(f, 'CRIT').length, 3);
    assert.equal(lines(f, 'WARN').length, 1);
    assert.equal(lines(f, 'INFO').length, 1);
    assert.match(f, /CRIT 3\s+WARN 1\s+INFO 1/);
    // Most frequent pattern first, ties by name.
    assert.match(f, /fraud_multi_country 2 · fraud_multi_card 1 · high_bounce_rate 1 · traffic_spike 1/);
    assert.match(f, /cep-alerts on kafka 127\.0\.0\.1:9092 · following \(caught up\)/);
    // A later frame does not print them again.
    feed.emit('alert', alert('traffic_spike', 'info', ''));
    const f2 = await waitForFrame(frame, /INFO traffic_spike[\s\S]*INFO traffic_spike[\s\S]*6 alerts/);
    assert.equal(lines(f2, 'CRIT').length, 3);
    assert.equal(lines(f2, 'INFO').length, 2);
  });

  it('applies the command-line filter: only matching alerts are printed and counted, the rest are counted as hidden', async () => {
    const { feed, frame } = mount({ filter: { patterns: ['fraud'], severities: ['critical'], keys: [] } });
    feed.emit('alert', alert('fraud_multi_country', 'critical', 'u-1'));
    feed.emit('alert', alert('fraud_probe', 'warning', 'u-2'));
    feed.emit('alert', alert('high_bounce_rate', 'critical', ''));
    feed.emit('alert', alert('fraud_velocity', 'critical', 'u-3'));
    const f = await waitForFrame(frame, /CRIT fraud_velocity u-3[\s\S]*2 alerts/);
    assert.deepEqual(
      lines(f, 'CRIT').map((l) => l.split(' ')[2]),
      ['fraud_multi_country', 'fraud_velocity'],
    );
    assert.equal(lines(f, 'WARN').length, 0);
    assert.match(f, /filter pattern:fraud severity:critical \(2 hidden\)/);
  });

  it('f opens a filter prompt; Enter applies it to the alerts that follow', async () => {
    const { feed, app, frame } = mount();
    await settle(10);
    app.stdin.write('f');
    await waitForFrame(frame, /filter>/);
    app.stdin.write('sev:crit key:u-7');
    await waitForFrame(frame, /filter> sev:crit key:u-7/);
    app.stdin.write('\r');
    await waitForFrame(frame, /filter severity:critical key:u-7/);
    feed.emit('alert', alert('fraud_multi_card', 'critical', 'u-7'));
    feed.emit('alert', alert('fraud_multi_card', 'critical', 'u-8'));
    feed.emit('alert', alert('high_bounce_rate', 'warning', 'u-7'));
    // The footer counts an alert when it arrives, the line is printed at the next frame: wait for both.
    const f = await waitForFrame(frame, /CRIT fraud_multi_card u-7[\s\S]*1 alert ·/);
    assert.equal(lines(f, 'CRIT').length, 1);
    assert.match(lines(f, 'CRIT')[0], /fraud_multi_card u-7/);
    assert.match(f, /\(2 hidden\)/);
  });

  it('an invalid filter shows why and keeps the prompt open; Esc cancels', async () => {
    const { app, frame } = mount();
    await settle(10);
    app.stdin.write('f');
    await waitForFrame(frame, /filter>/);
    app.stdin.write('severity:urgent');
    await waitForFrame(frame, /filter> severity:urgent/);
    app.stdin.write('\r');
    const f = await waitForFrame(frame, /unknown severity 'urgent'/);
    assert.match(f, /filter> severity:urgent/);
    app.stdin.write('\u001b');
    const g = await waitForFrame(frame, /p pause/);
    assert.doesNotMatch(g, /filter>/);
  });

  it('p pauses printing (alerts are still counted and held) and prints the held ones on resume', async () => {
    const { feed, app, frame } = mount();
    await settle(10);
    app.stdin.write('p');
    await waitForFrame(frame, /PAUSED/);
    feed.emit('alert', alert('fraud_velocity', 'critical', 'u-1'));
    feed.emit('alert', alert('fraud_velocity', 'critical', 'u-2'));
    const paused = await waitForFrame(frame, /2 held/);
    assert.equal(lines(paused, 'CRIT').length, 0);
    assert.match(paused, /2 alerts/);
    app.stdin.write('p');
    const resumed = await waitForFrame(frame, /u-2/);
    assert.equal(lines(resumed, 'CRIT').length, 2);
    assert.doesNotMatch(resumed, /PAUSED/);
  });

  it('c clears the counters', async () => {
    const { feed, app, frame } = mount();
    feed.emit('alert', alert('fraud_velocity', 'critical', 'u-1'));
    await waitForFrame(frame, /1 alert ·/);
    app.stdin.write('c');
    const f = await waitForFrame(frame, /0 alerts/);
    assert.match(f, /CRIT 0\s+WARN 0\s+INFO 0/);
    assert.match(f, /last never/);
  });

  it('shows alerts per minute and the age of the last alert from the clock', async () => {
    let t = 1_000_000;
    const { feed, frame } = mount({ now: () => t });
    t += 30_000;
    for (let i = 0; i < 6; i++) feed.emit('alert', alert('traffic_spike', 'info', ''));
    await waitForFrame(frame, /6 alerts/);
    t += 4_000;
    // Six alerts in the first 34 s of watching: 6 × 60 / 34 = 10.6 per minute, shown rounded.
    const f = await waitForFrame(frame, /last 4s ago/);
    assert.match(f, /6 alerts · 11\/min · last 4s ago/);
  });

  it('stops after --max alerts and reports done', async () => {
    let done = 0;
    const { feed, frame } = mount({ max: 2, onDone: () => done++ });
    for (let i = 0; i < 5; i++) feed.emit('alert', alert('fraud_velocity', 'critical', `u-${i}`));
    const f = await waitForFrame(frame, /u-1/);
    await settle(30);
    assert.equal(lines(f, 'CRIT').length, 2);
    assert.ok(done >= 1);
  });

  it('q quits, ? toggles the help', async () => {
    let quit = 0;
    const { app, frame } = mount({ onQuit: () => quit++ });
    await settle(10);
    app.stdin.write('?');
    await waitForFrame(frame, /pause \/ resume printing/);
    app.stdin.write('q');
    await settle(20);
    assert.equal(quit, 1);
  });
});
