/**
 * A scripted model: an HTTP server on a unix socket that answers `POST /v1/messages` as a server-sent-event
 * stream. Requests without `tools` are the client's side requests (titles and the like) and get plain text; every
 * other request goes to the test's script, which returns the next assistant turn. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ModelRequest, TurnBlock } from './messages.js';

export interface RecordedRequest {
  kind: 'main' | 'side';
  url: string;
  body: ModelRequest;
}

/** Gets each main request (and the 0-based count of main requests before it); returns the assistant's turn. */
export type Script = (request: ModelRequest, turn: number) => TurnBlock[] | string;

export const SIDE_ANSWER = 'Scripted session';

function sse(response: ServerResponse, type: string, data: Record<string, unknown>): void {
  response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

let nextId = 0;

/** One assistant message as the streaming API sends it: start, each block (start, one delta, stop), delta, stop. */
export function streamTurn(response: ServerResponse, model: string, turn: TurnBlock[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  sse(response, 'message_start', {
    message: {
      id: `msg_scripted_${++nextId}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
  turn.forEach((block, index) => {
    if (block.type === 'text') {
      sse(response, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
      sse(response, 'content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      sse(response, 'content_block_start', {
        index,
        content_block: { type: 'tool_use', id: `toolu_scripted_${++nextId}`, name: block.name, input: {} },
      });
      sse(response, 'content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    sse(response, 'content_block_stop', { index });
  });
  const stopReason = turn.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  sse(response, 'message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 1 },
  });
  sse(response, 'message_stop', {});
  response.end();
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

export class ScriptedModel {
  readonly requests: RecordedRequest[] = [];
  /** The first error the script threw: the client got a text turn saying so, and the runner rethrows it. */
  scriptError: Error | null = null;
  private server: Server | null = null;

  constructor(private readonly script: Script) {}

  get mainRequests(): ModelRequest[] {
    return this.requests.filter((request) => request.kind === 'main').map((request) => request.body);
  }

  listen(socketPath: string): Promise<void> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        this.scriptError ??= error;
        if (!response.headersSent)
          response
            .writeHead(500)
            .end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: error.message } }));
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '';
    const text = await readBody(request);
    if (request.method !== 'POST' || !url.startsWith('/v1/messages') || url.startsWith('/v1/messages/count_tokens')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          type: 'error',
          error: { type: 'not_found_error', message: `scripted model: no ${request.method} ${url}` },
        }),
      );
      return;
    }
    const body = JSON.parse(text) as ModelRequest;
    const kind = Array.isArray(body.tools) && body.tools.length > 0 ? 'main' : 'side';
    const turnNumber = this.mainRequests.length;
    this.requests.push({ kind, url, body });
    if (kind === 'side') {
      streamTurn(response, body.model, [{ type: 'text', text: SIDE_ANSWER }]);
      return;
    }
    let turn: TurnBlock[];
    try {
      const answer = this.script(body, turnNumber);
      turn = typeof answer === 'string' ? [{ type: 'text', text: answer }] : answer;
    } catch (error) {
      this.scriptError ??= error as Error;
      turn = [{ type: 'text', text: `The test script failed: ${(error as Error).message}` }];
    }
    streamTurn(response, body.model, turn);
  }
}
