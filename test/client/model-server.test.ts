/** The scripted model on its own (over its unix socket) and, through the real client, a script that fails. */
import { afterEach, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo } from '../helpers/gitdir.js';
import { describeClient } from './availability.js';
import { bash, say } from './messages.js';
import { ScriptedModel, SIDE_ANSWER } from './model-server.js';
import { ClientHome, runClaude } from './runner.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(model: ScriptedModel): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'frc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  await model.listen(join(dir, 'model.sock'));
  cleanups.push(() => model.close());
  return join(dir, 'model.sock');
}

function post(socketPath: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const events = (text: string) =>
  text
    .trim()
    .split('\n\n')
    .map((chunk) => {
      const [event, data] = chunk.split('\n');
      return { event: event!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) };
    });

it('streams a scripted turn as the Messages API does, and records the request', async () => {
  const seen: number[] = [];
  const model = new ScriptedModel((_request, turn) => {
    seen.push(turn);
    return [say('Running it.'), bash('git status', 'Look')];
  });
  const socket = await serve(model);
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'Bash' }], stream: true };
  const { status, text } = await post(socket, '/v1/messages?beta=true', body);
  expect(status).toBe(200);
  const stream = events(text);
  expect(stream.map((item) => item.event)).toEqual([
    'message_start',
    'content_block_start',
    'content_block_delta',
    'content_block_stop',
    'content_block_start',
    'content_block_delta',
    'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
  expect(stream[2]!.data.delta).toEqual({ type: 'text_delta', text: 'Running it.' });
  expect(stream[4]!.data.content_block).toMatchObject({ type: 'tool_use', name: 'Bash', input: {} });
  expect(JSON.parse(stream[5]!.data.delta.partial_json)).toEqual({ command: 'git status', description: 'Look' });
  expect(stream[7]!.data.delta.stop_reason).toBe('tool_use');
  expect(seen).toEqual([0]);
  expect(model.requests).toEqual([{ kind: 'main', url: '/v1/messages?beta=true', body }]);
});

it('answers a request without tools (a side request) with text, without asking the script', async () => {
  const model = new ScriptedModel(() => {
    throw new Error('not for side requests');
  });
  const socket = await serve(model);
  const stream = events(
    (await post(socket, '/v1/messages', { model: 'm', messages: [{ role: 'user', content: 'title?' }] })).text,
  );
  expect(stream[2]!.data.delta).toEqual({ type: 'text_delta', text: SIDE_ANSWER });
  expect(stream.at(-2)!.data.delta.stop_reason).toBe('end_turn');
  expect(model.requests.map((recorded) => recorded.kind)).toEqual(['side']);
  expect(model.mainRequests).toEqual([]);
});

it('answers anything else with 404', async () => {
  const socket = await serve(new ScriptedModel(() => 'x'));
  expect((await post(socket, '/v1/complete', {})).status).toBe(404);
});

describeClient('a failing script', () => {
  it("fails the run with the script's own error", async () => {
    const repo = makeRepo();
    cleanups.push(() => repo.cleanup());
    const home = new ClientHome(repo.env.HOME!).trust(repo.main);
    await expect(
      runClaude({
        home,
        cwd: repo.main,
        prompt: 'hi',
        script: () => {
          throw new Error('the text has no start line');
        },
      }),
    ).rejects.toThrow('the text has no start line');
  });
});
