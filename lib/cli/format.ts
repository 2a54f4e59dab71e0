import type { KubeMQRequest, KubeMQResponse } from '../kubemq/messages';
import { kubemqTimestampToDate } from '../kubemq/timestamps';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A body for people: its UTF-8 text, or `<N bytes, base64 ...>` when it is not text. */
export function bodyText(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    return `<${body.length} bytes, base64 ${Buffer.from(body).toString('base64')}>`;
  }
}

function quoted(text: string): string {
  return JSON.stringify(text);
}

function tagsText(tags: Record<string, string>): string | undefined {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return undefined;
  return entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** Lines `  Name:  value` with the values aligned. */
function table(rows: Array<[string, string | undefined]>): string {
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length)) + 1;
  return shown.map(([name, value]) => `  ${`${name}:`.padEnd(width)} ${value}`).join('\n');
}

/** A response as the `send` commands print it. */
export function responseText(
  kind: 'command' | 'query',
  channel: string,
  response: KubeMQResponse,
  elapsedMs: number,
): string {
  const executedAt = kubemqTimestampToDate(response.Timestamp);
  const head = `Response to ${kind} on "${channel}" (${elapsedMs} ms):`;
  return `${head}\n${table([
    ['Executed', String(response.Executed)],
    ['Error', response.Error ? response.Error : undefined],
    ['RequestID', response.RequestID],
    ['ClientID', response.ClientID],
    ['ExecutedAt', executedAt?.toISOString()],
    ['Metadata', kind === 'query' && response.Metadata ? quoted(response.Metadata) : undefined],
    ['Body', kind === 'query' ? quoted(bodyText(response.Body)) : undefined],
    ['Tags', tagsText(response.Tags)],
  ])}`;
}

/** A response as `send --json` prints it: the wire fields, with Body as text. */
export function responseJson(response: KubeMQResponse): string {
  return JSON.stringify(
    {
      ClientID: response.ClientID,
      RequestID: response.RequestID,
      Executed: response.Executed,
      Error: response.Error,
      Timestamp: response.Timestamp,
      Metadata: response.Metadata,
      Body: bodyText(response.Body),
      Tags: response.Tags,
    },
    null,
    2,
  );
}

/** A received request as the `rec` commands print it. */
export function requestText(kind: 'command' | 'query', request: KubeMQRequest): string {
  return `[${kind}] received on "${request.Channel}":\n${table([
    ['RequestID', request.RequestID],
    ['From', request.ClientID],
    ['Metadata', request.Metadata ? quoted(request.Metadata) : undefined],
    ['Body', quoted(bodyText(request.Body))],
    ['Tags', tagsText(request.Tags)],
    ['Timeout', `${request.Timeout} ms`],
  ])}`;
}
