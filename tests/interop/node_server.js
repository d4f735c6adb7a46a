#!/usr/bin/env node
'use strict';
// Node `ws` server that tests wsmachine's echo client.
//   node node_server.js ECHO_CLIENT
// Serves on a free loopback port and starts `ECHO_CLIENT URL --protocol chat`
// twice: (1) the message cases, a ping, then this server closes with
// 4000 "bye" and the client must answer and exit 0; (2) this server closes
// with 1000 right after the handshake and the client must answer and exit 0.
// One line per case, `PASS name` / `FAIL name: reason`; exit 1 if any failed.
const { spawn } = require('child_process');
const { WebSocketServer } = require('ws');
const { messageCases, FRAGMENTED, Inbox, Reporter, echoCase, pingCase, closeCase } = require('./cases.js');

const client = process.argv[2];
if (!client) {
  console.error('usage: node_server.js ECHO_CLIENT');
  process.exit(2);
}
const r = new Reporter();

async function sessionMessages(ws, req) {
  const inbox = new Inbox(ws);
  r.report('subprotocol-chat', ws.protocol === 'chat' ? null
    : `client offered ${JSON.stringify(req.headers['sec-websocket-protocol'])}, negotiated ${JSON.stringify(ws.protocol)}`);
  r.report('permessage-deflate-negotiated', ws.extensions.startsWith('permessage-deflate') ? null
    : `client offered ${JSON.stringify(req.headers['sec-websocket-extensions'])}, agreed ${JSON.stringify(ws.extensions)}`);
  for (const [name, payload, isBinary] of messageCases()) {
    await r.run(name, () => echoCase(ws, inbox, [payload], isBinary));
  }
  for (const [name, fragments, isBinary] of FRAGMENTED) {
    await r.run(name, () => echoCase(ws, inbox, fragments, isBinary));
  }
  await r.run('ping-pong', () => pingCase(ws, Buffer.from('node-server-ping')));
  await r.run('server-close-4000-bye', () => closeCase(ws, 4000, 'bye', 'client'));
}

async function sessionCloseFirst(ws) {
  await r.run('server-closes-first-1000', () => closeCase(ws, 1000, 'done', 'client'));
}

const sessions = { '/messages': sessionMessages, '/close-first': sessionCloseFirst };

function runClient(url, name) {
  return new Promise((resolve) => {
    const child = spawn(client, [url, '--protocol', 'chat'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let finished = false;
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      finished = true;
      child.kill('SIGKILL');
      r.report(name, 'echo client still running after 60s');
      resolve();
    }, 60000);
    child.on('error', (e) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      r.report(name, `cannot start echo client: ${e.message}`);
      resolve();
    });
    child.on('exit', (code, signal) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const last = output.trim().split('\n').pop() || '(no output)';
      r.report(name, code === 0 ? null : `echo client exited ${code ?? signal}: ${last}`);
      resolve();
    });
  });
}

async function main() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 4 << 20,
    // ws servers leave permessage-deflate off by default; browsers' servers turn it on.
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const done = [];
  wss.on('connection', (ws, req) => {
    const session = sessions[req.url];
    done.push(session ? session(ws, req) : Promise.resolve(r.report('request-path', `unexpected path ${req.url}`)));
  });
  const { port } = wss.address();
  await runClient(`ws://127.0.0.1:${port}/messages`, 'client-exit-0-after-close');
  await runClient(`ws://127.0.0.1:${port}/close-first`, 'client-exit-0-server-closed-first');
  await Promise.all(done);
  wss.close();
}

main().then(
  () => process.exit(r.failures ? 1 : 0),
  (e) => {
    console.log(`FAIL node-server: ${e.stack || e}`);
    process.exit(1);
  },
);
