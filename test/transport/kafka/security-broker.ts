/**
 * A broker with SASL and TLS listeners for the security test: a throwaway CA signs the broker's certificate
 * (for 127.0.0.1) and a client certificate; SCRAM users are created when the storage is formatted.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreeBasePort } from '../../../src/stack/ports.js';
import type { BrokerSetup } from '../../services/private-kafka.js';

export const USERS = {
  plain: { username: 'alice', password: 'alice-plain-secret' },
  'scram-sha-256': { username: 'bob', password: 'bob-scram256-secret' },
  'scram-sha-512': { username: 'carol', password: 'carol-scram512-secret' },
} as const;

export interface SecureBroker {
  /** host:port of the SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  sasl: string;
  /** host:port of the SSL listener, which requires a client certificate. */
  tls: string;
  /** host:port of the SASL_SSL listener (SCRAM-SHA-512 inside TLS, no client certificate). */
  saslTls: string;
  files: { ca: string; clientCert: string; clientKey: string; otherCa: string };
}

/** Debian's openssl, installed with apt-get when missing (needs root, as in CI). */
function ensureOpenssl(): void {
  if (spawnSync('openssl', ['version']).status === 0) return;
  console.error(
    'security test: openssl not found, installing the Debian package (apt-get install -y openssl)',
  );
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'openssl']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
  }
}

const jaasOf = (module: string, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A CA, and a key + certificate signed by it for `cn` (with an IP SAN for servers). */
function certificates(dir: string): SecureBroker['files'] & { brokerKeystore: string } {
  ensureOpenssl();
  const days = ['-days', '2'];
  for (const ca of ['ca', 'other-ca'])
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      ...days,
      '-subj',
      `/CN=rtap test ${ca}`,
    ]);
  const sign = (name: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      ...days,
      '-extfile',
      `${name}.ext`,
    ]);
  };
  sign('broker', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', 'rtap-client', 'extendedKeyUsage=clientAuth\n');
  // Kafka reads a PEM keystore as the (PKCS#8) key followed by the certificate chain in one file.
  const brokerKeystore = join(dir, 'broker-keystore.pem');
  writeFileSync(
    brokerKeystore,
    readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'),
  );
  return {
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    brokerKeystore,
  };
}

/** Broker settings for withPrivateKafka, and where the secure listeners are once it runs. */
export async function secureBrokerSetup(dir: string): Promise<{ setup: BrokerSetup; broker: SecureBroker }> {
  const { brokerKeystore, ...files } = certificates(dir);
  // Three more free ports: base for SASL, base + 1 for SASL inside TLS, base + 100 for TLS.
  const base = await findFreeBasePort(2);
  const sasl = `127.0.0.1:${base}`;
  const saslTls = `127.0.0.1:${base + 1}`;
  const tls = `127.0.0.1:${base + 100}`;
  const scram = jaasOf('scram.ScramLoginModule');
  /** The broker's certificate and key, for a TLS listener. */
  const keystore = (listener: string) => ({
    [`listener.name.${listener}.ssl.keystore.type`]: 'PEM',
    [`listener.name.${listener}.ssl.keystore.location`]: brokerKeystore,
  });
  const setup: BrokerSetup = {
    brokerProperties: (node) => ({
      listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort},SASL_PLAINTEXT://${sasl},SSL://${tls},SASL_SSL://${saslTls}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port},SASL_PLAINTEXT://${sasl},SSL://${tls},SASL_SSL://${saslTls}`,
      'listener.security.protocol.map':
        'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaasOf(
        'plain.PlainLoginModule',
        ` user_${USERS.plain.username}="${USERS.plain.password}"`,
      ),
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scram,
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scram,
      ...keystore('ssl'),
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': files.ca,
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scram,
      ...keystore('sasl_ssl'),
    }),
    formatArgs: (['scram-sha-256', 'scram-sha-512'] as const).flatMap((m) => [
      '--add-scram',
      `${m.toUpperCase()}=[name=${USERS[m].username},password=${USERS[m].password}]`,
    ]),
  };
  return { setup, broker: { sasl, tls, saslTls, files } };
}
