#!/usr/bin/env node
'use strict';
// Headless Debian Chromium (driven by playwright-core, no browser download)
// against wsmachine's echo server.
//   node chromium.js http://127.0.0.1:ECHO_PORT/
// 1. echo-page: loads the server's own page at / and asserts its transcript
//    CONNECTED / SENT: WebSocket rocks / RESPONSE: WebSocket rocks / DISCONNECTED.
// 2. browser_cases.html: served by a static server started here on another
//    loopback port, pointed at the echo server with ?ws=; its own PASS/FAIL
//    lines are read back from the page.
// One line per case, `PASS name` / `FAIL name: reason`; exit 1 if any failed.
// CHROMIUM (default /usr/bin/chromium) and SCREENSHOT_DIR (optional) are read
// from the environment.
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.argv[2];
if (!base) {
  console.error('usage: chromium.js http://127.0.0.1:PORT/');
  process.exit(2);
}
const wsUrl = base.replace(/^http/, 'ws');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.SCREENSHOT_DIR;
let failures = 0;

function report(name, problem) {
  if (problem) {
    failures++;
    console.log(`FAIL ${name}: ${problem}`);
  } else {
    console.log(`PASS ${name}`);
  }
}

function staticServer() {
  const file = path.join(__dirname, 'browser_cases.html');
  const server = http.createServer((req, res) => {
    if (req.url.split('?')[0] !== '/browser_cases.html') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function echoPage(context) {
  const page = await context.newPage();
  try {
    const resp = await page.goto(base, { timeout: 15000 });
    if (!resp || resp.status() !== 200) return `GET / answered ${resp ? resp.status() : 'nothing'}`;
    await page.waitForFunction(
      () => /DISCONNECTED|ERROR/.test(document.getElementById('output')?.textContent || ''),
      null, { timeout: 15000 });
    const lines = await page.$$eval('#output p', (ps) => ps.map((p) => p.textContent));
    if (shots) await page.screenshot({ path: path.join(shots, 'echo_page.png') });
    const want = ['CONNECTED', 'SENT: WebSocket rocks', 'RESPONSE: WebSocket rocks', 'DISCONNECTED'];
    if (JSON.stringify(lines) !== JSON.stringify(want)) return `transcript ${JSON.stringify(lines)}`;
    // Chromium offers permessage-deflate; the page shows what was agreed.
    const negotiated = await page.$eval('#negotiated', (p) => p.textContent);
    return negotiated.startsWith('extensions: permessage-deflate') ? null : `page shows ${JSON.stringify(negotiated)}`;
  } finally {
    await page.close();
  }
}

async function browserCases(context, server) {
  const page = await context.newPage();
  const url = `http://127.0.0.1:${server.address().port}/browser_cases.html?ws=${encodeURIComponent(wsUrl)}`;
  try {
    await page.goto(url, { timeout: 15000 });
    await page.waitForSelector('body[data-done]', { timeout: 120000 });
    const lines = await page.$$eval('#results li', (lis) => lis.map((li) => li.textContent));
    if (shots) await page.screenshot({ path: path.join(shots, 'browser_cases.png'), fullPage: true });
    if (lines.length === 0) report('browser-cases', 'the page reported no results');
    for (const line of lines) {
      const m = /^(PASS|FAIL) ([^:]+)(?:: (.*))?$/.exec(line);
      if (!m) report('browser-cases', `unreadable result ${JSON.stringify(line)}`);
      else report(`browser-${m[2]}`, m[1] === 'PASS' ? null : m[3] || 'failed');
    }
  } finally {
    await page.close();
  }
}

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsmachine-chromium-'));
  const server = await staticServer();
  // The flags the machine's Chromium needs as root on a closed network;
  // playwright adds --headless itself, and the fresh profile is userDataDir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    try {
      report('echo-page-transcript', await echoPage(context));
    } catch (e) {
      report('echo-page-transcript', e.message.split('\n')[0]);
    }
    try {
      await browserCases(context, server);
    } catch (e) {
      report('browser-cases', e.message.split('\n')[0]);
    }
  } finally {
    await context.close();
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(failures ? 1 : 0),
  (e) => {
    console.log(`FAIL chromium: ${String(e.message || e).split('\n')[0]}`);
    process.exit(1);
  },
);
