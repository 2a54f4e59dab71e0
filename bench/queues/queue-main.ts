import { startBackend } from '../fleet';
import { machineInfo } from '../machine';
import { type BenchOptions } from '../options';
import { runQueueBench } from './queue-bench';
import { renderQueueMarkdown, writeQueueResults } from './queue-report';

/**
 * The queue part of `npm run bench` (alone: `--suites=queues`): its own
 * broker process (KubeMQTestBroker, or KUBEMQ_ADDRESS), then
 * bench/results/queues[-quick].{md,json} (queues-NAME with `--out=NAME`).
 */
export async function benchQueues(options: BenchOptions): Promise<void> {
  const backend = await startBackend('kubemq', options);
  if (typeof backend === 'string') throw new Error(`no KubeMQ for the queue benchmark: ${backend}`);
  console.log(`[bench] queues against ${backend.description} at ${backend.address}`);
  try {
    const results = await runQueueBench(backend.address, options);
    const machine = machineInfo();
    const markdown = renderQueueMarkdown(results, [
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform} ${machine.kernel}`,
      `- Broker: ${backend.description}`,
    ]);
    const files = writeQueueResults(results, markdown, options.queuesOut);
    console.log(`\n${markdown}`);
    console.log(`[bench] wrote ${files.md} and ${files.json}`);
  } finally {
    await backend.stop();
  }
}
