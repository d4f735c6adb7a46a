#!/usr/bin/env node
'use strict';
// Node `ws` client against wsmachine's echo server.
//   node node_client.js ws://127.0.0.1:PORT/
// One line per case, `PASS name` / `FAIL name: reason`; exit 1 if any failed.
const WebSocket = require('ws');
const { messageCases, FRAGMENTED, Inbox, Reporter, echoCase, pingCase, closeCase, withTimeout } = require('./cases.js');

const url = process.argv[2];
if (!url) {
  console.error('usage: node_client.js ws://127.0.0.1:PORT/');
  process.exit(2);
}
const r = new Reporter();

function open(protocols) {
  // ws offers permessage-deflate by default, as browsers do; the server
  // accepts it, so the echoes run compressed.
  const ws = new WebSocket(url, protocols, { maxPayload: 4 << 20, handshakeTimeout: 15000 });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of 101`)));
  });
  return { ws, opened };
}

async function subprotocolCase(offer, want) {
  const { ws, opened } = open(offer);
  await opened;
  const got = ws.protocol;
  ws.close(1000);
  await new Promise((resolve) => ws.once('close', resolve));
  return got === want ? null : `offered ${JSON.stringify(offer)}, server chose ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
}

async function main() {
  const { ws, opened } = open(['chat']);
  const inbox = new Inbox(ws);
  try {
    await withTimeout(opened, 15000, 'handshake');
  } catch (e) {
    r.report('connect', e.message);
    return;
  }
  r.report('subprotocol-chat', ws.protocol === 'chat' ? null : `server chose ${JSON.stringify(ws.protocol)}, expected "chat"`);
  r.report('permessage-deflate-negotiated', ws.extensions.startsWith('permessage-deflate') ? null : `server answered extensions ${JSON.stringify(ws.extensions)}, expected permessage-deflate`);
  for (const [name, payload, isBinary] of messageCases()) {
    await r.run(name, () => echoCase(ws, inbox, [payload], isBinary));
  }
  for (const [name, fragments, isBinary] of FRAGMENTED) {
    await r.run(name, () => echoCase(ws, inbox, fragments, isBinary));
  }
  await r.run('ping-pong', () => pingCase(ws, Buffer.from('node-ping')));
  await r.run('close-4000-bye', () => closeCase(ws, 4000, 'bye', 'server'));
  await r.run('subprotocol-first-offered', () => subprotocolCase(['x-unknown', 'superchat', 'chat'], 'superchat'));
  await r.run('subprotocol-none', () => subprotocolCase([], ''));
}

main().then(
  () => process.exit(r.failures ? 1 : 0),
  (e) => {
    console.log(`FAIL node-client: ${e.stack || e}`);
    process.exit(1);
  },
);
