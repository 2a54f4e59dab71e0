// The walkthrough (README and docs/sample.md), run as a new user would: `npm run sample` as a real child
// process (its own broker on free ports), then curl-like HTTP calls, a WebSocket receiver, the
// sample's HTTP endpoints and the CLI against it, and finally Ctrl-C. The sample always starts
// its embedded broker here (these tests control it), even when KUBEMQ_ADDRESS is set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { b64, get, post, Subscription, unb64, type Envelope } from '../broker/rest-helpers';
import {
  freeSamplePorts,
  runCli,
  SampleProcess,
  startCli,
  waitForHttp,
  type SamplePorts,
} from './sample-process';

/** Startup can include building dist/ and the sample on a slow machine. */
const STARTUP_MS = 180_000;
/** A stack trace line: the sample must never print one for a known failure or a Ctrl-C. */
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

let ports: SamplePorts;
let sample: SampleProcess;
let grpc: string;
let rest: string;
let api: string;
let http: string;

before(async () => {
  ports = await freeSamplePorts();
  grpc = `127.0.0.1:${ports.grpc}`;
  rest = `http://127.0.0.1:${ports.rest}`;
  api = `http://127.0.0.1:${ports.api}`;
  http = `http://127.0.0.1:${ports.http}`;
  sample = SampleProcess.start(ports);
  // As docs/sample.md says: wait for /health, then for the sample to say it serves.
  await waitForHttp(`${api}/health`, STARTUP_MS, 'healthy').catch((error: Error) => {
    throw new Error(`${error.message}\nsample output:\n${sample.output}`);
  });
  await sample.waitFor(/Serving until Ctrl-C\./, 30_000);
});

after(() => {
  sample?.kill();
});

describe('npm run sample: the hello-command walkthrough', { timeout: 300_000 }, () => {
  it('prints where the broker listens and the hello-command round trip', () => {
    const out = sample.output;
    assert.ok(out.includes(`gRPC  localhost:${ports.grpc}`), out);
    assert.ok(out.includes(`REST  http://localhost:${ports.rest}`), out);
    assert.ok(out.includes(`API   http://localhost:${ports.api}/health`), out);
    assert.match(
      out,
      /\[hello-command\] received: id=\S+, channel=hello-command, from=nestjs-kubemq-sample-client, metadata="startup round trip", body="Hello from the nestjs-kubemq sample"/,
    );
    assert.match(
      out,
      /<- response: Executed: true \(RequestID \S+, answered by nestjs-kubemq-sample/,
    );
    assert.ok(
      out.includes('npx nestjs-kubemq rpc send command hello-command'),
      'shows the CLI next',
    );
  });

  it('GET /health on the API port answers "healthy", /ready says ready', async () => {
    const health = await get(`${api}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.text, 'healthy');
    assert.deepEqual((await get(`${api}/ready`)).json, { is_healthy: true, is_ready: true });
  });

  it('curl POST /send/request to hello-command with a base64 body gets Executed: true', async () => {
    // The request of KubeMQ's getting-started, as is.
    const res = await post(`${rest}/send/request`, {
      RequestID: 'walkthrough-1',
      RequestTypeData: 1,
      ClientID: 'curl-walkthrough',
      Channel: 'hello-command',
      Metadata: 'some-metadata',
      Body: b64('some command'),
      Timeout: 10000,
    });
    assert.equal(res.status, 200, res.text);
    const envelope = res.json as Envelope<Record<string, unknown>>;
    assert.equal(envelope.is_error, false);
    assert.equal(envelope.message, 'OK');
    assert.equal(envelope.data.Executed, true);
    assert.equal(envelope.data.RequestID, 'walkthrough-1');
    assert.equal(envelope.data.ClientID, 'nestjs-kubemq-sample');
    assert.equal(envelope.data.Body, undefined, 'a command response carries no body');
    await sample.waitFor(
      /\[hello-command\] received: id=walkthrough-1, channel=hello-command, from=curl-walkthrough, metadata="some-metadata", body="some command"/,
      5000,
    );
  });

  it("a query over REST gets the handler's answer as a base64 Body", async () => {
    const res = await post(`${rest}/send/request`, {
      RequestTypeData: 2,
      ClientID: 'curl-walkthrough',
      Channel: 'hello-query',
      Body: b64('"REST"'),
      Timeout: 10000,
    });
    const { data } = res.json as Envelope<Record<string, unknown>>;
    assert.equal(data.Executed, true, res.text);
    assert.deepEqual(JSON.parse(unb64(String(data.Body))), {
      greeting: 'Hello, REST!',
      from: 'nestjs-kubemq sample',
    });
  });

  it('a WebSocket /subscribe/requests receiver answers, through /send/response, a command sent from the CLI', async () => {
    const channel = `ws-walkthrough-${process.pid}`;
    const receiver = await Subscription.open(`ws://127.0.0.1:${ports.rest}`, 'requests', {
      client_id: 'ws-receiver',
      channel,
      subscribe_type: 'commands',
    });
    const cli = startCli(
      ['rpc', 'send', 'command', channel, 'from the cli', '--metadata', 'cli-meta'],
      grpc,
    );
    const request = await receiver.frame(0, 15_000);
    assert.equal(request.Channel, channel);
    assert.equal(request.Metadata, 'cli-meta');
    assert.equal(unb64(String(request.Body)), 'from the cli');
    const answer = await post(`${rest}/send/response`, {
      ClientID: 'ws-receiver',
      RequestID: request.RequestID,
      ReplyChannel: request.ReplyChannel,
      Executed: true,
    });
    assert.deepEqual(answer.json, { is_error: false, message: 'OK', data: null });
    const run = await cli.done;
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /Executed:\s+true/);
    assert.match(run.stdout, /ClientID:\s+ws-receiver/);
    receiver.close();
  });

  it("the sample's HTTP endpoints send through the injected ClientKubeMQ and answer JSON", async () => {
    const command = await post(`${http}/hello`, { message: 'hi from HTTP' });
    assert.equal(command.status, 201, command.text);
    const body = command.json as { channel: string; response: Record<string, unknown> };
    assert.equal(body.channel, 'hello-command');
    assert.equal(body.response.executed, true);
    assert.equal(body.response.clientId, 'nestjs-kubemq-sample');
    await sample.waitFor(/\[hello-command\] received: .*body="hi from HTTP"/, 5000);

    const query = await get(`${http}/hello/world`);
    assert.equal(query.status, 200, query.text);
    assert.deepEqual(query.json, {
      channel: 'hello-query',
      sent: 'world',
      answer: { greeting: 'Hello, world!', from: 'nestjs-kubemq sample' },
    });
  });

  it("the sample's health endpoints: liveness, and readiness through KubeMQ (Terminus)", async () => {
    const live = await get(`${http}/health/live`);
    assert.equal(live.status, 200, live.text);
    const ready = await get(`${http}/health/kubemq`);
    assert.equal(ready.status, 200, ready.text);
    const body = ready.json as {
      status: string;
      info: { kubemq: { status: string; address: string; version: string; query: object } };
    };
    assert.equal(body.status, 'ok');
    assert.equal(body.info.kubemq.status, 'up');
    assert.equal(body.info.kubemq.address, grpc);
    assert.equal(typeof body.info.kubemq.version, 'string');
    assert.equal(
      (body.info.kubemq.query as { channel: string }).channel,
      'nestjs-kubemq-sample.health',
    );
  });

  it('the CLI sends a command and a query to the sample and prints the responses', async () => {
    // Exactly as docs/sample.md has it (the package's bin, through npx), with KUBEMQ_ADDRESS set.
    const command = await runCli(
      ['rpc', 'send', 'command', 'hello-command', 'some command'],
      grpc,
      {
        viaNpx: true,
        timeoutMs: 60_000,
      },
    );
    assert.equal(command.code, 0, `${command.stdout}${command.stderr}`);
    assert.match(command.stdout, /Response to command on "hello-command"/);
    assert.match(command.stdout, /Executed:\s+true/);
    assert.match(command.stdout, /ClientID:\s+nestjs-kubemq-sample/);

    const query = await runCli(['rpc', 'send', 'query', 'hello-query', 'cli', '--json'], grpc);
    assert.equal(query.code, 0, `${query.stdout}${query.stderr}`);
    const response = JSON.parse(query.stdout) as { Executed: boolean; Body: string };
    assert.equal(response.Executed, true);
    assert.deepEqual(JSON.parse(response.Body), {
      greeting: 'Hello, cli!',
      from: 'nestjs-kubemq sample',
    });
  });

  it('the CLI receives and answers a command that the sample sends', async () => {
    const channel = `cli-receiver-${process.pid}`;
    const receiver = startCli(
      ['rpc', 'rec', 'command', channel, '--count', '1', '--client-id', 'cli-receiver'],
      grpc,
    );
    const deadline = Date.now() + 15_000;
    while (!receiver.stdout().includes('Waiting for commands') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await post(`${http}/commands/${channel}`, { hi: 1 });
    assert.equal(res.status, 201, res.text);
    const body = res.json as { response: Record<string, unknown> };
    assert.equal(body.response.executed, true);
    assert.equal(body.response.clientId, 'cli-receiver');
    const run = await receiver.done;
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /\[command\] received on "cli-receiver-\d+"/);
    assert.match(run.stdout, /Body:\s+"\{\\"hi\\":1\}"/);
  });

  it('the CLI exits 1 on a timeout, 2 on a bad command line, 0 on --help', async () => {
    const timeout = await runCli(
      ['rpc', 'send', 'command', `nobody-${process.pid}`, 'x', '--timeout', '300'],
      grpc,
    );
    assert.equal(timeout.code, 1);
    assert.match(timeout.stderr, /Error 301: timeout for request message/);

    const usage = await runCli(['rpc', 'send', 'command'], grpc);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing <channel>/);
    assert.match(usage.stderr, /Usage: nestjs-kubemq rpc send command <channel> <body>/);

    const unknown = await runCli(['rpc', 'send', 'command', 'x', 'y', '--nope'], grpc);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--nope'/);

    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /rpc rec command <channel>/);
  });

  it('a second sample on a taken port says which variable to set, exits 1, no stack trace', async () => {
    const other = await freeSamplePorts();
    const second = SampleProcess.start({ ...other, rest: ports.rest });
    try {
      const exit = await second.exited;
      assert.equal(exit.code, 1, second.output);
      assert.match(second.output, new RegExp(`REST port ${ports.rest} .*already in use`));
      assert.match(second.output, /Set KUBEMQ_REST_PORT to another port/);
      assert.doesNotMatch(second.output, STACK_LINE);
    } finally {
      second.kill();
    }
  });

  it('SIGINT to npm alone also stops a sample cleanly (npm forwards it): exit code 0', async () => {
    const second = SampleProcess.start(await freeSamplePorts());
    try {
      await second.waitFor(/Serving until Ctrl-C\./, STARTUP_MS);
      second.child.kill('SIGINT');
      const exit = await second.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, second.output);
      assert.match(second.output, /Stopped\. Bye!/);
    } finally {
      second.kill();
    }
  });

  it('Ctrl-C (SIGINT to the process group) shuts down cleanly with exit code 0', async () => {
    sample.interrupt();
    const exit = await sample.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, sample.output);
    assert.match(sample.output, /SIGINT: shutting down\.\.\.\nStopped\. Bye!/);
    assert.doesNotMatch(sample.output, STACK_LINE);
    await assert.rejects(fetch(`${api}/health`), 'the broker is gone');
  });
});
