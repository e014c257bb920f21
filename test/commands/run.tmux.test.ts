import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Drives the real `rtap run` in a terminal: tmux gives it a TTY (so the ink live view, raw-mode keys and
 * resize handling are the real ones), capture-pane reads the screen, send-keys presses q.
 */
const tmux = process.env.RTAP_TMUX ?? 'tmux';
const root = resolve(import.meta.dirname, '..', '..');
const socket = `rtap-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtap-tmux-'));
const exitFile = join(dir, 'exit-code');

function tm(...args: string[]): string {
  return execFileSync(tmux, ['-L', socket, ...args], { encoding: 'utf8' });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function screen(): string {
  return tm('capture-pane', '-p', '-t', 'rtap');
}

async function waitForScreen(re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let s = screen();
  while (!re.test(s) && Date.now() < deadline) {
    await sleep(250);
    s = screen();
  }
  assert.match(s, re, `screen never matched ${re}:\n${s}`);
  return s;
}

/** The live numbers on a screen, read independently of the view's code. */
function numbers(s: string): { consumed: number; clock: string } {
  const consumed = /consumed ([\d,]+)/.exec(s);
  const clock = /· (\d\d:\d\d)\s+q quit/.exec(s);
  assert.ok(consumed && clock, `no live numbers on screen:\n${s}`);
  return { consumed: Number(consumed[1].replace(/,/g, '')), clock: clock[1] };
}

describe('rtap run in a terminal', () => {
  before(() => {
    // The CLI from source through tsx, as test/helpers/cli.ts runs it: no build step to go stale.
    const cli = join(root, 'src', 'cli.ts');
    const node = `${JSON.stringify(process.execPath)} --import tsx -e "const { main } = await import('${cli}'); await main(['node', 'rtap', ...process.argv.slice(1)]);" --`;
    // Whatever CI the test runs under, the child has a real terminal: CI unset, colours allowed.
    const cmd = `cd ${JSON.stringify(root)} && env -u CI -u CONTINUOUS_INTEGRATION -u NO_COLOR ${node} run --rate 200/s --dashboard 0 --refresh 4; echo $? > ${JSON.stringify(exitFile)}; sleep 600`;
    tm('new-session', '-d', '-s', 'rtap', '-x', '120', '-y', '40', cmd);
  });

  after(() => {
    try {
      tm('kill-server');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows live numbers that change between two captures, and exits 0 on q', async () => {
    await waitForScreen(/consumed [\d,]+/, 90_000);
    const first = numbers(screen());
    await sleep(3000);
    const second = numbers(await waitForScreen(/consumed [\d,]+/, 5000));
    assert.ok(
      second.consumed > first.consumed,
      `consumed did not grow: ${first.consumed} then ${second.consumed}`,
    );
    assert.notEqual(second.clock, first.clock);
    assert.match(screen(), /top pages\s+1\. \S+/);

    tm('send-keys', '-t', 'rtap', 'q');
    const deadline = Date.now() + 60_000;
    while (!existsSync(exitFile) && Date.now() < deadline) await sleep(250);
    assert.ok(existsSync(exitFile), `rtap run did not exit after q:\n${screen()}`);
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '0', screen());
    // After q the final report is printed.
    assert.match(screen(), /latency \(ms\)|consumed/);
  });
});
