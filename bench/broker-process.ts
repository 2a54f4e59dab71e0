import { KubeMQTestBroker } from '../lib/testing';
import { startEchoServer } from './echo-server';
import { serveChild } from './ipc';

/**
 * Child process that runs the server side: `kubemq` runs KubeMQTestBroker,
 * `echo` the bare gRPC echo server. Its own process, so it never shares an
 * event loop with a sender or a responder. Reports its address when ready.
 */
const kind = process.argv[2] ?? 'kubemq';

serveChild(async () => {
  if (kind === 'echo') {
    const echo = await startEchoServer();
    return { info: { address: echo.address }, onExit: () => echo.stop() };
  }
  const broker = await KubeMQTestBroker.start();
  return { info: { address: broker.address }, onExit: () => broker.stop() };
});
