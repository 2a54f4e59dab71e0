import { contender } from './contenders';
import { type BenchEnv } from './contenders/types';
import { serveChild } from './ipc';

/** Child process: the responder of one contender. argv: contender name, env JSON. */
serveChild(async () => {
  const info = contender(process.argv[2]);
  const env = JSON.parse(process.argv[3]) as BenchEnv;
  const module = await info.load();
  if (!module.startResponder) throw new Error(`contender "${info.name}" has no responder`);
  const responder = await module.startResponder(env);
  return { onExit: () => responder.close() };
});
