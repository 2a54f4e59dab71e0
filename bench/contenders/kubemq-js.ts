import { CommandsClient, QueriesClient, type Config } from 'kubemq-js';
import { bodyBytes, expectSize, type ContenderModule, type Kind } from './types';

/**
 * The official KubeMQ Node SDK (kubemq-js 1.2.x) as both sender and
 * responder, used the way its README shows: one CommandsClient and one
 * QueriesClient, `send()` promises, `subscribe()` callbacks answered with `response()`.
 */

const TIMEOUT_MS = 10_000;

function config(address: string, clientId: string): Config {
  return { address, clientId, defaultRpcTimeout: TIMEOUT_MS, reconnectInterval: 1_000 };
}

export const kubemqJs: ContenderModule = {
  async startSender(env) {
    const commands = new CommandsClient(config(env.address, env.clientId));
    const queries = new QueriesClient(config(env.address, env.clientId));
    await Promise.all([commands.ping(), queries.ping()]);
    const send = async (kind: Kind, body: Uint8Array): Promise<number | undefined> => {
      if (kind === 'query') {
        const response = await queries.send({ channel: env.channels.query, body, metadata: '' });
        if (!response.executed) throw new Error(response.error || 'not executed');
        return response.body?.length;
      }
      const response = await commands.send({ channel: env.channels.command, body, metadata: '' });
      if (!response.executed) throw new Error(response.error || 'not executed');
      return undefined;
    };
    return {
      payload: bodyBytes,
      request(kind, payload, done) {
        send(kind, payload as Uint8Array).then(() => done(), done);
      },
      async check(kind, payload) {
        expectSize(kind, (payload as Uint8Array).length, await send(kind, payload as Uint8Array));
      },
      async close() {
        commands.close();
        queries.close();
      },
    };
  },

  async startResponder(env) {
    const commands = new CommandsClient(config(env.address, env.clientId));
    const queries = new QueriesClient(config(env.address, env.clientId));
    await Promise.all([commands.ping(), queries.ping()]);
    const commandSub = await commands.subscribe(
      { channel: env.channels.command, clientId: env.clientId },
      (error, message) => {
        if (error) return;
        commands
          .response({
            id: message.id,
            replyChannel: message.replyChannel,
            clientId: env.clientId,
            timestamp: Date.now(),
            executed: true,
            error: '',
          })
          .catch(() => undefined);
      },
    );
    const querySub = await queries.subscribe(
      { channel: env.channels.query, clientId: env.clientId },
      (error, message) => {
        if (error) return;
        queries
          .response({
            id: message.id,
            replyChannel: message.replyChannel,
            clientId: env.clientId,
            timestamp: Date.now(),
            executed: true,
            error: '',
            metadata: '',
            body: message.body,
          })
          .catch(() => undefined);
      },
    );
    return {
      async close() {
        commandSub.unsubscribe();
        querySub.unsubscribe();
        commands.close();
        queries.close();
      },
    };
  },
};
