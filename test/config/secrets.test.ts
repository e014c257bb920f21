import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { runCli } from '../helpers/cli.js';
import { redactStream } from '../../src/config/secrets.js';

const PASSWORD = 'hunter2-sasl-Zq9';
const TOKEN = 'influx-token-Xy7';

for (const json of [false, true]) {
  test(`--print-config${json ? ' --json' : ''} shows secrets from flags and env as ***`, async () => {
    const r = await runCli(
      [...(json ? ['--json'] : []), 'process', '--print-config', '--sasl-password', PASSWORD],
      { env: { INFLUX_TOKEN: TOKEN } },
    );
    assert.equal(r.code, 0, r.stderr);
    for (const s of [PASSWORD, TOKEN]) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `the secret ${s} was printed`);
    }
    if (json) {
      const settings = JSON.parse(r.stdout).settings;
      assert.deepEqual(settings.saslPassword, { value: '***', source: 'flag: --sasl-password' });
      assert.deepEqual(settings.influxToken, { value: '***', source: 'env: INFLUX_TOKEN' });
    } else {
      assert.match(r.stdout, /saslPassword +"\*\*\*" +\(flag: --sasl-password\)/);
      assert.match(r.stdout, /influxToken +"\*\*\*" +\(env: INFLUX_TOKEN\)/);
    }
  });
}

test('an unset secret stays "unset" (nothing to hide, nothing invented)', async () => {
  const r = await runCli(['process', '--print-config'], { env: { INFLUX_TOKEN: '' } });
  assert.match(r.stdout, /saslPassword +unset/);
});

test('a bench --json report embeds its configuration with the secret masked', async () => {
  const r = await runCli(
    ['bench', '--duration', '1s', '--patterns', 'none', '--views', 'realtime', '--json'],
    { env: { INFLUX_TOKEN: TOKEN } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  assert.equal(JSON.parse(r.stdout).meta.config.influxToken.value, '***');
});

test('redactStream masks every write to the stream and can be undone', () => {
  let written = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      written += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const undo = redactStream(stream, [PASSWORD]);
  stream.write(`connecting with ${PASSWORD}\n`);
  stream.write(Buffer.from(`again ${PASSWORD}\n`));
  undo();
  stream.write('after\n');
  assert.equal(written, 'connecting with ***\nagain ***\nafter\n');
});
