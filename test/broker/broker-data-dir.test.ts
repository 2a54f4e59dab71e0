// KubeMQTestBroker.start({ dataDir }): the store kept on disk. The crash itself (SIGKILL
// mid-traffic) is in broker-crash.test.ts, on both brokers; these check the in-process broker's
// own API: what a restart on the same directory finds, damaged records, one broker per directory.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeQueuePolicy } from '../../lib';
import { KubeMQTestBroker } from '../../lib/testing';
import { inProcessOnly, uniqueChannel } from '../support/broker';
import { ChildProcessBroker } from '../support/child-broker';
import { delay, RawKubeMQClient } from '../support/raw-kubemq-client';
import { deliveries, RawQueueClient } from '../support/raw-queue-client';
import { EventsStoreType, receiveOnce, publishStore } from './events-store-helpers';

const CLI = join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
const JOURNAL = 'broker-store.journal';
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-kubemq-data-dir-'));
  dirs.push(dir);
  return dir;
}

async function startOn(dir: string): Promise<[KubeMQTestBroker, RawKubeMQClient]> {
  const broker = await KubeMQTestBroker.start({ dataDir: dir });
  const client = new RawKubeMQClient(broker.address);
  cleanups.push(
    () => client.close(),
    () => broker.stop(),
  );
  return [broker, client];
}

describe('KubeMQTestBroker dataDir', { skip: inProcessOnly('the test broker’s dataDir') }, () => {
  it('carries the events store, its positions and the queues over a stop and start', async () => {
    const dir = dataDir();
    const store = uniqueChannel('dir-store');
    const queue = uniqueChannel('dir-queue');
    let [broker, client] = await startOn(dir);
    await publishStore(client, store, 2);
    const first = {
      ClientID: uniqueChannel('dir-reader'),
      Channel: store,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    };
    assert.deepEqual(await receiveOnce(client, first, 2), ['m0', 'm1']);
    await publishStore(client, store, 1, 2);
    let queues = new RawQueueClient(client);
    await queues.sendBodies(queue, ['1', '2', '3']);
    await queues.receive({ Channel: queue, MaxNumberOfMessages: 1 });
    await queues.send({
      Channel: queue,
      Body: Buffer.from('later'),
      Policy: makeQueuePolicy({ DelaySeconds: 1 }),
    });
    await broker.stop();

    [broker, client] = await startOn(dir);
    assert.deepEqual(broker.storeWarnings, []);
    await publishStore(client, store, 1, 3);
    assert.deepEqual(
      await receiveOnce(client, first, 2),
      ['m2', 'm3'],
      'the reader resumes where it was, after what it was given',
    );
    const all = await receiveOnce(client, { ...first, ClientID: uniqueChannel('dir-other') }, 4);
    assert.deepEqual(all, ['m0', 'm1', 'm2', 'm3']);
    queues = new RawQueueClient(client);
    const back = await queues.receive({
      Channel: queue,
      MaxNumberOfMessages: 3,
      WaitTimeSeconds: 3,
    });
    assert.deepEqual(deliveries(back.Messages), ['2#2/rc1', '3#3/rc1', 'later#4/rc1']);
    await queues.sendBodies(queue, ['new']);
    const fresh = await queues.receive({ Channel: queue, MaxNumberOfMessages: 1 });
    assert.deepEqual(deliveries(fresh.Messages), ['new#5/rc1'], 'sequences carry on');
    const info = await queues.info(queue);
    assert.equal(info.Info?.Queues[0]?.Sent, '5', 'counters carry on');
  });

  it('skips a truncated or corrupt last record with a warning naming it, and keeps the rest', async () => {
    const dir = dataDir();
    const queue = uniqueChannel('dir-damaged');
    let [broker, client] = await startOn(dir);
    await new RawQueueClient(client).sendBodies(queue, ['1', '2']);
    await broker.stop();
    const journal = join(dir, JOURNAL);
    const lines = readFileSync(journal, 'utf8').split('\n');
    appendFileSync(journal, lines[lines.length - 2].replace('"2"', '"X"').slice(0, -3));

    [broker, client] = await startOn(dir);
    assert.equal(broker.storeWarnings.length, 1);
    assert.match(
      broker.storeWarnings[0],
      /broker-store\.journal, line \d+ \(byte \d+\): truncated/,
    );
    assert.deepEqual(await new RawQueueClient(client).peekBodies(queue), ['1', '2']);
    await broker.stop();
    appendFileSync(journal, '0badc0de {"t":"q","c":"x"}\n');

    [broker, client] = await startOn(dir);
    assert.equal(broker.storeWarnings.length, 1, 'the truncated record is gone: it was rewritten');
    assert.match(broker.storeWarnings[0], /line \d+ \(byte \d+\): corrupt: checksum mismatch/);
    assert.deepEqual(await new RawQueueClient(client).peekBodies(queue), ['1', '2']);
  });

  it('refuses a second broker on the same directory, and store with dataDir', async () => {
    const dir = dataDir();
    await startOn(dir);
    await assert.rejects(KubeMQTestBroker.start({ dataDir: dir }), /in use by another broker/);
    const plain = await KubeMQTestBroker.start();
    cleanups.push(() => plain.stop());
    const store = plain.store;
    await assert.rejects(
      KubeMQTestBroker.start({ dataDir: dataDir(), store }),
      /either store or dataDir/,
    );
  });

  it('refuses a file that is not its journal, naming it', async () => {
    const dir = dataDir();
    const [broker] = await startOn(dir);
    await broker.stop();
    const header = readFileSync(join(dir, JOURNAL), 'utf8').split('\n')[0].slice(9);
    const foreign = header.replace('nestjs-kubemq-broker-store', 'something-else');
    const checksum = crc32(foreign).toString(16).padStart(8, '0');
    writeFileSync(join(dir, JOURNAL), `${checksum} ${foreign}\n`);
    await assert.rejects(
      KubeMQTestBroker.start({ dataDir: dir }),
      /cannot read the broker store .*broker-store\.journal: it is not a nestjs-kubemq broker store/,
    );
    writeFileSync(join(dir, JOURNAL), 'some other file\n');
    await assert.rejects(
      KubeMQTestBroker.start({ dataDir: dir }),
      /cannot read the broker store .*: its first line is not a broker store header/,
    );
  });

  it('`nestjs-kubemq broker --dir`: killed with SIGKILL, restarted, warns about a cut record on stderr', async () => {
    const broker = await ChildProcessBroker.start(CLI, { dataDir: dataDir() });
    cleanups.push(() => broker.stop());
    const queue = uniqueChannel('dir-cli');
    let client = new RawKubeMQClient(broker.address);
    await new RawQueueClient(client).sendBodies(queue, ['1', '2']);
    client.close();
    await broker.kill();
    appendFileSync(join(broker.dataDir, JOURNAL), '0123');
    await broker.restart();
    client = new RawKubeMQClient(broker.address);
    cleanups.push(() => client.close());
    for (let i = 0; i < 50 && (await client.ping().catch(() => undefined)) === undefined; i += 1) {
      await delay(100);
    }
    assert.deepEqual(await new RawQueueClient(client).peekBodies(queue), ['1', '2']);
    assert.match(broker.stderr.join(''), /\[KubeMQTestBroker\] skipped .*: truncated/);
  });
});
