import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canRedraw } from '../../src/ui/terminal.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('canRedraw', () => {
  it('redraws only on a terminal the command called interactive', () => {
    assert.equal(canRedraw(tty, true, {}), true);
    assert.equal(canRedraw(pipe, true, {}), false);
    assert.equal(canRedraw(tty, false, {}), false);
  });
  it("falls back to plain lines whenever ink's own CI check would hold, even for an empty CI", () => {
    for (const env of [{ CI: 'true' }, { CI: '' }, { CI: '1' }, { CONTINUOUS_INTEGRATION: 'yes' }])
      assert.equal(canRedraw(tty, true, env), false, JSON.stringify(env));
    for (const env of [{ CI: '0' }, { CI: 'false' }])
      assert.equal(canRedraw(tty, true, env), true, JSON.stringify(env));
  });
});
