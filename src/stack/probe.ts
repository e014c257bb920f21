import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/**
 * How many brokers the cluster reports, or null when it does not answer within `timeoutMs`. A broker
 * that logged "started" may still be registering with the controller: counting brokers is the real test.
 */
export async function probeCluster(brokers: string[], timeoutMs: number): Promise<number | null> {
  const kafka = new Kafka({
    clientId: 'rtap-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = (async () => {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length;
    })();
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    return await Promise.race([answer.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
