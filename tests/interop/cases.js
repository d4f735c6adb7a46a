'use strict';
// Message cases shared by node_client.js and node_server.js; the same sizes
// and payloads as cases.py (text and binary of 0, 125, 126, 65535, 65536
// bytes and 1 MiB, non-ASCII text, fragmented messages).

const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];
const NON_ASCII = 'héllo wörld — Ελληνικά русский 日本語 中文 한국어 🚀🎉 \ufeff\uffff end';

function textPayload(n) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return alphabet.repeat(Math.floor(n / alphabet.length) + 1).slice(0, n);
}

function binaryPayload(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 167 + 13) & 0xff;
  return b;
}

// [name, payload, isBinary]
function messageCases() {
  const out = [];
  for (const n of SIZES) out.push([`text-${n}`, Buffer.from(textPayload(n)), false]);
  for (const n of SIZES) out.push([`binary-${n}`, binaryPayload(n), true]);
  out.push(['text-non-ascii', Buffer.from(NON_ASCII), false]);
  return out;
}

// [name, fragments, isBinary]; the echo must be the concatenation.
const FRAGMENTED = [
  ['fragmented-text', ['frag', 'mented ', 'tëxt ', '🚀'].map((s) => Buffer.from(s)), false],
  // A text message whose fragments split two- and four-byte UTF-8 sequences
  // ("café 🚀"): valid as a whole, so it must be echoed, not failed.
  ['fragmented-text-split-utf8', [Buffer.from('caf'), Buffer.from([0xc3]), Buffer.from([0xa9, 0x20, 0xf0, 0x9f]),
    Buffer.from([0x9a, 0x80])], false],
  ['fragmented-binary', [Buffer.from([0, 1]), Buffer.alloc(0), Buffer.alloc(1000, 0xff), binaryPayload(70000)], true],
];

function describe(got, gotBinary, want, wantBinary) {
  if (gotBinary !== wantBinary) {
    return `got a ${gotBinary ? 'binary' : 'text'} message, sent ${wantBinary ? 'binary' : 'text'}`;
  }
  if (got.length !== want.length) return `echo has length ${got.length}, sent ${want.length}`;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `echo differs at offset ${i}`;
  return null;
}

// Messages as a queue, so a case can wait for "the next one".
class Inbox {
  constructor(ws) {
    this.items = [];
    this.waiters = [];
    ws.on('message', (data, isBinary) => this.push({ data: toBuffer(data), isBinary }));
    ws.on('close', () => this.push(null));
  }
  push(item) {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }
  next() {
    if (this.items.length) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000}s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Prints PASS/FAIL lines and counts failures.
class Reporter {
  constructor() {
    this.failures = 0;
  }
  report(name, problem) {
    if (problem) {
      this.failures++;
      console.log(`FAIL ${name}: ${problem}`);
    } else {
      console.log(`PASS ${name}`);
    }
  }
  async run(name, fn, ms = 15000) {
    try {
      this.report(name, await withTimeout(fn(), ms, 'answer'));
    } catch (e) {
      this.report(name, e.message);
    }
  }
}

// Send one message, as a single frame or as fragments.
function sendMessage(ws, fragments, isBinary) {
  if (fragments.length === 1) {
    ws.send(fragments[0], { binary: isBinary });
    return;
  }
  fragments.forEach((f, i) => ws.send(f, { binary: isBinary, fin: i === fragments.length - 1 }));
}

async function echoCase(ws, inbox, fragments, isBinary) {
  sendMessage(ws, fragments, isBinary);
  const want = Buffer.concat(fragments);
  const got = await inbox.next();
  if (got === null) return 'connection closed before the echo';
  return describe(got.data, got.isBinary, want, isBinary);
}

function pingCase(ws, payload) {
  return new Promise((resolve) => {
    const onPong = (data) => {
      ws.off('pong', onPong);
      resolve(toBuffer(data).equals(payload) ? null : `pong payload ${toBuffer(data).toString('hex')} differs`);
    };
    ws.on('pong', onPong);
    ws.ping(payload);
  });
}

// Close with code/reason and wait for the peer's answer.
function closeCase(ws, code, reason, who) {
  return new Promise((resolve) => {
    ws.once('close', (gotCode, gotReason) => {
      const r = toBuffer(gotReason).toString();
      if (gotCode !== code || (r !== reason && r !== '')) {
        resolve(`${who} answered close with ${gotCode} ${JSON.stringify(r)}, expected ${code} ${JSON.stringify(reason)}`);
      } else {
        resolve(null);
      }
    });
    ws.close(code, reason);
  });
}

module.exports = { messageCases, FRAGMENTED, Inbox, Reporter, echoCase, pingCase, closeCase, withTimeout };
