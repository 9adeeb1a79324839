// Runs inside a fresh network namespace (`unshare -n node namespace-relay.mjs <socket> <command> [args...]`), where
// only loopback exists: brings loopback up, relays 127.0.0.1:<free port> to the scripted model's unix socket (a
// file, so it is reachable from here), and runs the command with ANTHROPIC_BASE_URL pointing at the relay. Exits
// with the command's exit code. Plain JavaScript, so plain node runs it without a compile step.
import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const [socketPath, command, ...args] = process.argv.slice(2);
if (!socketPath || !command) {
  process.stderr.write('usage: namespace-relay.mjs <socket> <command> [args...]\n');
  process.exit(2);
}
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const relay = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
});

relay.listen(0, '127.0.0.1', () => {
  const { port } = relay.address();
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` } });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`namespace-relay: cannot run ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
});
