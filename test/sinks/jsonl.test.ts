import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlSink } from '../../src/sinks/jsonl.js';
import { RtapError } from '../../src/errors.js';
import type { Output } from '../../src/sinks/types.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-jsonl-'));
const alert: Output = {
  kind: 'alert',
  alert: {
    alert_id: 'a1',
    pattern: 'p',
    severity: 'info',
    key: 'u1',
    message: 'm',
    events: [],
    first_event_time: 1,
    last_event_time: 1,
    detected_at: 1,
    trigger_intended_send_time: 1,
  },
};

for (const name of ['x.jsonl', 'x.jsonl.gz']) {
  test(`a file that cannot be opened (${name}) is an error of write or close naming it, not a crash`, async () => {
    const path = join(dir, 'missing', name);
    const sink = new JsonlSink(path);
    let failure: unknown = null;
    try {
      // The open fails asynchronously: keep writing until the sink reports it.
      for (let i = 0; i < 100 && !failure; i++) {
        await sink.write([alert]);
        await new Promise((r) => setTimeout(r, 5));
      }
      await sink.close();
    } catch (err) {
      failure = err;
    }
    assert.ok(failure instanceof RtapError, `got ${String(failure)}`);
    assert.match(
      (failure as Error).message,
      new RegExp(`cannot write ${path.replace(/[.]/g, '\\.')}: ENOENT`),
    );
    await assert.rejects(sink.close(), RtapError);
  });
}
