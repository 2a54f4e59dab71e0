/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  /** Timeout, unreachable broker, a refusal, `Executed: false`. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
} as const;

/** A command line the CLI cannot run; printed with the usage text, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Which usage text to show with it. */
    readonly topic: UsageTopic = 'main',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type UsageTopic = 'main' | 'send' | 'rec' | 'broker';

const CONNECTION_OPTIONS = `Connection options:
  -a, --address <host:port>  KubeMQ gRPC address
                             (default: $KUBEMQ_ADDRESS, else localhost:50000)
      --client-id <id>       ClientID to send as (default: $KUBEMQ_CLIENT_ID, else nestjs-kubemq-cli-<pid>)
      --auth-token <token>   sent as the authorization metadata (default: $KUBEMQ_AUTH_TOKEN)`;

const SEND = `Usage: nestjs-kubemq rpc send command <channel> <body> [options]
       nestjs-kubemq rpc send query <channel> <body> [options]

Sends a command or a query to <channel> and prints the response.
Exits 0 when the responder executed it, 1 when it did not (Executed: false),
on a timeout or when the broker cannot be reached.

Options:
  -t, --timeout <ms>         how long to wait for the response (default 10000)
  -m, --metadata <text>      the request's Metadata
      --tag <key=value>      a request tag (repeat for more)
      --json                 print the response as JSON (PascalCase, Body as text)

${CONNECTION_OPTIONS}`;

const REC = `Usage: nestjs-kubemq rpc rec command <channel> [options]
       nestjs-kubemq rpc rec query <channel> [options]

Subscribes to <channel> (wildcards allowed), prints every request and answers it:
commands with Executed: true, queries with a body (by default the request's own).
Runs until Ctrl-C, or until --count requests were answered.

Options:
  -g, --group <name>         join a queue group (one member gets each request)
      --reply <text>         the body of every query answer
      --reply-metadata <t>   the Metadata of every query answer
      --error <text>         answer Executed: false with this Error instead
      --count <n>            exit after answering n requests

${CONNECTION_OPTIONS}`;

const BROKER = `Usage: nestjs-kubemq broker [options]

Runs the in-process KubeMQ-compatible broker (the one nestjs-kubemq/testing
starts in tests) on the real server's ports, until Ctrl-C.

Options:
      --host <host>          interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
      --port <port>          gRPC port (default 50000)
      --rest-port <port>     REST and WebSocket port (default 9090)
      --api-port <port>      API port, /health and /ready (default 8080)
      --no-rest              do not serve the REST face
      --no-api               do not serve the API face
      --dir <path>           keep the events store and queues on disk in <path>, as
                             KubeMQ keeps its --dir: a broker killed (even with
                             SIGKILL) and started again on it carries on
                             (default: in memory, gone when the broker stops)`;

const MAIN = `Usage: nestjs-kubemq <command> [options]

Talk to KubeMQ from the command line, like kubetools:

  nestjs-kubemq rpc send command <channel> <body>   send a command, print the response
  nestjs-kubemq rpc send query <channel> <body>     send a query, print the response
  nestjs-kubemq rpc rec command <channel>           answer commands until Ctrl-C
  nestjs-kubemq rpc rec query <channel>             answer queries until Ctrl-C
  nestjs-kubemq broker                              run the in-process broker

Examples:
  nestjs-kubemq rpc send command hello-command "some command"
  nestjs-kubemq rpc rec command hello-command
  nestjs-kubemq rpc send query hello-query "world" --timeout 5000

Options:
  -h, --help                 show this text; \`nestjs-kubemq rpc send --help\`,
                             \`rpc rec --help\` and \`broker --help\` show each command's
  -v, --version              print the version

Exit codes: 0 success, 1 failure (timeout, unreachable broker, Executed: false), 2 usage error.`;

/** The usage text of a topic. */
export function usage(topic: UsageTopic): string {
  switch (topic) {
    case 'send':
      return SEND;
    case 'rec':
      return REC;
    case 'broker':
      return BROKER;
    default:
      return MAIN;
  }
}
