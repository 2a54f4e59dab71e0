import { KubeMQConnection } from '../kubemq/connection';
import { KubeMQError } from '../kubemq/kubemq-error';
import {
  makeRequest,
  makeResponse,
  makeSubscribe,
  RequestType,
  SubscribeType,
  type KubeMQRequest,
} from '../kubemq/messages';
import { requestText, responseJson, responseText } from './format';
import {
  CONNECTION_SPECS,
  connectionOptions,
  integerOption,
  parse,
  stringOption,
  tagsOption,
} from './options';
import { EXIT, usage, UsageError } from './usage';

/** Where the CLI writes: stdout for results, stderr for diagnostics. */
export interface Console {
  out(line: string): void;
  err(line: string): void;
}

type Kind = 'command' | 'query';

function kindOf(word: string | undefined, topic: 'send' | 'rec'): Kind {
  if (word === 'command' || word === 'query') return word;
  throw new UsageError(
    word === undefined
      ? `rpc ${topic}: say "command" or "query"`
      : `rpc ${topic}: unknown type "${word}" (use "command" or "query")`,
    topic,
  );
}

/** Why a call failed, for people. */
function failureText(error: unknown): string {
  if (error instanceof KubeMQError) return error.message;
  return (error as Error)?.message ?? String(error);
}

/** `rpc send command|query <channel> <body>`. Resolves with the exit code. */
export async function rpcSend(args: string[], io: Console): Promise<number> {
  const parsed = parse(
    args,
    {
      ...CONNECTION_SPECS,
      timeout: { type: 'string', short: 't' },
      metadata: { type: 'string', short: 'm' },
      tag: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    'send',
  );
  if (parsed.values.help) return usageOk(io, 'send');
  const [word, channel, body, ...extra] = parsed.positionals;
  const kind = kindOf(word, 'send');
  if (channel === undefined) throw new UsageError(`rpc send ${kind}: missing <channel>`, 'send');
  if (body === undefined) throw new UsageError(`rpc send ${kind}: missing <body>`, 'send');
  if (extra.length > 0) {
    throw new UsageError(
      `rpc send ${kind}: unexpected argument "${extra[0]}" (quote a body with spaces)`,
      'send',
    );
  }
  const timeout = integerOption(parsed, 'timeout', 10_000, 'send', { min: 1 });
  const options = connectionOptions(parsed);
  const connection = new KubeMQConnection(options);
  try {
    await connection.connect();
    const started = Date.now();
    const response = await connection.sendRequest(
      makeRequest({
        RequestTypeData: kind === 'command' ? RequestType.Command : RequestType.Query,
        ClientID: connection.clientId,
        Channel: channel,
        Metadata: stringOption(parsed, 'metadata') ?? '',
        Body: Buffer.from(body, 'utf8'),
        Timeout: timeout,
        Tags: tagsOption(parsed, 'send'),
      }),
    );
    const elapsed = Date.now() - started;
    io.out(
      parsed.values.json ? responseJson(response) : responseText(kind, channel, response, elapsed),
    );
    if (!response.Executed) {
      io.err(`The responder did not execute the ${kind}: ${response.Error || '(no error text)'}`);
      return EXIT.failure;
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`Cannot send the ${kind} to "${channel}" at ${options.address}: ${failureText(error)}`);
    return EXIT.failure;
  } finally {
    connection.close();
  }
}

/**
 * `rpc rec command|query <channel>`: answers requests until a signal (or
 * `--count`). Resolves with the exit code.
 */
export async function rpcReceive(
  args: string[],
  io: Console,
  stopSignal: Promise<unknown>,
): Promise<number> {
  const parsed = parse(
    args,
    {
      ...CONNECTION_SPECS,
      group: { type: 'string', short: 'g' },
      reply: { type: 'string' },
      'reply-metadata': { type: 'string' },
      error: { type: 'string' },
      count: { type: 'string' },
    },
    'rec',
  );
  if (parsed.values.help) return usageOk(io, 'rec');
  const [word, channel, ...extra] = parsed.positionals;
  const kind = kindOf(word, 'rec');
  if (channel === undefined) throw new UsageError(`rpc rec ${kind}: missing <channel>`, 'rec');
  if (extra.length > 0) {
    throw new UsageError(`rpc rec ${kind}: unexpected argument "${extra[0]}"`, 'rec');
  }
  const count = integerOption(parsed, 'count', 0, 'rec', { min: 1 });
  const group = stringOption(parsed, 'group') ?? '';
  const errorText = stringOption(parsed, 'error');
  const reply = stringOption(parsed, 'reply');
  const replyMetadata = stringOption(parsed, 'reply-metadata');
  const options = connectionOptions(parsed);
  const connection = new KubeMQConnection(options);
  try {
    await connection.connect();
  } catch (error) {
    connection.close();
    io.err(`Cannot subscribe to "${channel}": ${failureText(error)}`);
    return EXIT.failure;
  }

  let answered = 0;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const answer = async (request: KubeMQRequest): Promise<void> => {
    io.out(requestText(kind, request));
    const executed = errorText === undefined;
    try {
      await connection.sendResponse(
        makeResponse({
          ClientID: connection.clientId,
          RequestID: request.RequestID,
          ReplyChannel: request.ReplyChannel,
          Executed: executed,
          Error: errorText ?? '',
          Timestamp: String(Date.now()),
          Metadata: kind === 'query' ? (replyMetadata ?? request.Metadata) : '',
          Body: kind === 'query' && executed ? answerBody(reply, request) : new Uint8Array(0),
        }),
      );
      io.out(
        executed
          ? `  -> answered: Executed: true${kind === 'query' ? `, Body: ${JSON.stringify(reply ?? 'the request body')}` : ''}`
          : `  -> answered: Executed: false, Error: ${JSON.stringify(errorText)}`,
      );
    } catch (error) {
      io.err(`  -> could not answer: ${failureText(error)}`);
    }
    answered += 1;
    if (count > 0 && answered >= count) finish(EXIT.ok);
  };

  const subscription = connection.subscribeToRequests(
    makeSubscribe({
      SubscribeTypeData: kind === 'command' ? SubscribeType.Commands : SubscribeType.Queries,
      ClientID: connection.clientId,
      Channel: channel,
      Group: group,
    }),
    {
      onMessage: (request) => void answer(request),
      onError: (error) => {
        io.err(`The broker refused the subscription to "${channel}": ${error.message}`);
        finish(EXIT.failure);
      },
      onDisconnect: (error, retryInMs) =>
        io.err(`Subscription dropped (${error.message}); subscribing again in ${retryInMs} ms`),
      onReconnect: () => io.err(`Subscribed to "${channel}" again`),
    },
  );
  const groupText = group ? ` in group "${group}"` : '';
  io.out(
    `Waiting for ${kind === 'command' ? 'commands' : 'queries'} on "${channel}"${groupText} ` +
      `at ${options.address} (Ctrl-C to stop)`,
  );
  void stopSignal.then(() => finish(EXIT.ok));
  const code = await finished;
  subscription.cancel();
  connection.close();
  return code;
}

function answerBody(reply: string | undefined, request: KubeMQRequest): Uint8Array {
  if (reply !== undefined) return Buffer.from(reply, 'utf8');
  // Echo the request; an empty body would leave the answer looking blank.
  return request.Body.length > 0 ? request.Body : Buffer.from(request.Metadata, 'utf8');
}

function usageOk(io: Console, topic: 'send' | 'rec'): number {
  io.out(usage(topic));
  return EXIT.ok;
}
