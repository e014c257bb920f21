/**
 * The --sasl-* and --ssl* flags against a real broker with a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512) and a TLS listener that requires client certificates: the commands work through each, and
 * wrong credentials or certificates fail with an error that says which and what to change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTool } from '../../../src/stack/tools.js';
import { runCli } from '../../helpers/cli.js';
import { endOffsets, kafka, readCommitted, spawnRtap } from '../../fault/helpers.js';
import { INPUTS, waitCaughtUp } from '../../fault/outputs.js';
import { withPrivateKafka } from '../../services/private-kafka.js';
import { secureBrokerSetup, USERS, type SecureBroker } from './security-broker.js';

const haveJava = checkTool('java', '-version').ok;

const sasl = (b: SecureBroker, m: keyof typeof USERS, password: string = USERS[m].password) => [
  '--brokers',
  b.sasl,
  '--sasl-mechanism',
  m,
  '--sasl-username',
  USERS[m].username,
  '--sasl-password',
  password,
];
const mtls = (b: SecureBroker) => [
  '--brokers',
  b.tls,
  '--ssl-ca',
  b.files.ca,
  '--ssl-cert',
  b.files.clientCert,
  '--ssl-key',
  b.files.clientKey,
];

async function storedInputs(plain: string): Promise<number> {
  const admin = kafka(plain).admin();
  await admin.connect();
  try {
    return [...(await endOffsets(admin, INPUTS)).values()].reduce((a, b) => a + b, 0);
  } finally {
    await admin.disconnect();
  }
}

test(
  'SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), SASL inside TLS and mutual TLS against a real broker: the pipeline runs through each; bad credentials and certificates are named',
  { skip: !haveJava && 'java not installed', timeout: 480_000 },
  async (t) => {
    let b!: SecureBroker;
    await withPrivateKafka(
      1,
      'rtap-security-',
      async ({ brokers: plain }) => {
        await t.test('provision over SASL/PLAIN, the password from the environment', async () => {
          const { username, password } = USERS.plain;
          const r = await runCli(
            ['provision', '--brokers', b.sasl, '--sasl-mechanism', 'plain', '--sasl-username', username],
            { env: { RTAP_SASL_PASSWORD: password } },
          );
          assert.equal(r.code, 0, r.stderr);
          const admin = kafka(plain).admin();
          await admin.connect();
          const topics = await admin.listTopics();
          await admin.disconnect();
          for (const topic of [...INPUTS, 'processed-metrics', 'cep-alerts', 'events-deadletter'])
            assert.ok(topics.includes(topic), `${topic} created through the SASL listener`);
        });

        await t.test('simulate over SCRAM-SHA-256 and SCRAM-SHA-512: every event stored', async () => {
          for (const [m, events] of [
            ['scram-sha-256', 300],
            ['scram-sha-512', 100],
          ] as const) {
            const before = await storedInputs(plain);
            const r = await runCli([
              'simulate',
              ...sasl(b, m),
              '--events',
              String(events),
              '--rate',
              '1000/s',
            ]);
            assert.equal(r.code, 0, r.stderr);
            assert.equal((await storedInputs(plain)) - before, events, `${m}: events stored`);
          }
        });

        await t.test('simulate over SASL_SSL: SCRAM-SHA-512 inside TLS', async () => {
          const before = await storedInputs(plain);
          const { username, password } = USERS['scram-sha-512'];
          const r = await runCli([
            'simulate',
            '--brokers',
            b.saslTls,
            '--ssl-ca',
            b.files.ca,
            '--sasl-mechanism',
            'scram-sha-512',
            '--sasl-username',
            username,
            '--sasl-password',
            password,
            '--events',
            '50',
          ]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal((await storedInputs(plain)) - before, 50);
        });

        await t.test(
          'process over mutual TLS: consumes everything and commits results transactionally',
          async () => {
            const group = 'security-tls';
            const p = spawnRtap([
              'process',
              ...mtls(b),
              '--sink',
              'topics',
              '--group',
              group,
              '--from-beginning',
              '--checkpoint-interval',
              '1s',
              // The input then goes quiet: its windows close a second later and their results commit.
              '--idle-timeout',
              '1s',
            ]);
            // Progress is watched through the plaintext listener; the processor itself only speaks TLS.
            await waitCaughtUp(plain, group, 120_000, p);
            const finals = async () =>
              (await readCommitted(plain, 'processed-metrics', new Map())).filter(
                (r) => (JSON.parse(r.value) as { emit: string }).emit === 'final',
              );
            const deadline = Date.now() + 60_000;
            let results = await finals();
            while (results.length === 0 && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 1000));
              results = await finals();
            }
            p.child.kill('SIGTERM');
            assert.equal(await p.exited, 130, p.stderr());
            assert.ok(results.length > 0, `final results committed over TLS:\n${p.stderr().slice(-2000)}`);
          },
        );

        await t.test(
          'a wrong password: the SASL login refusal is named, with the flags to check',
          async () => {
            const r = await runCli(['provision', '--dry-run', ...sasl(b, 'plain', 'wrong')]);
            assert.equal(r.code, 1, r.stderr);
            assert.match(r.stderr, /refused the SASL login: .*Invalid username or password/);
            assert.match(r.stderr, /--sasl-mechanism, --sasl-username and the password/);
            const s = await runCli(['provision', '--dry-run', ...sasl(b, 'scram-sha-512', 'wrong')]);
            assert.equal(s.code, 1, s.stderr);
            assert.match(s.stderr, /refused the SASL login: .*SCRAM-SHA-512/);
          },
        );

        await t.test(
          'TLS: an untrusted broker certificate, a missing client certificate and a non-TLS port are named',
          async () => {
            for (const ca of [[] as string[], ['--ssl-ca', b.files.otherCa]]) {
              const r = await runCli(['provision', '--dry-run', '--brokers', b.tls, '--ssl', ...ca]);
              assert.equal(r.code, 1, r.stderr);
              assert.match(
                r.stderr,
                /TLS certificate of Kafka at .* is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
              );
              assert.match(r.stderr, /give --ssl-ca/);
            }
            const noCert = await runCli([
              'provision',
              '--dry-run',
              '--brokers',
              b.tls,
              '--ssl-ca',
              b.files.ca,
            ]);
            assert.equal(noCert.code, 1, noCert.stderr);
            assert.match(noCert.stderr, /refused the TLS handshake \(ERR_SSL_/);
            assert.match(noCert.stderr, /check --ssl-cert and --ssl-key/);
            const plainPort = await runCli([
              'provision',
              '--dry-run',
              '--brokers',
              b.sasl,
              '--ssl-ca',
              b.files.ca,
            ]);
            assert.equal(plainPort.code, 1, plainPort.stderr);
            assert.match(plainPort.stderr, /does not answer TLS/);
          },
        );
      },
      async (dir) => {
        const s = await secureBrokerSetup(dir);
        b = s.broker;
        return s.setup;
      },
    );
  },
);
