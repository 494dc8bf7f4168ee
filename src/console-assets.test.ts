import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { precompress } from '../scripts/precompress.ts';
import { startTestInstance, type TestInstance } from '../test/support/instance.ts';

/** A console built the way scripts/build-web.ts leaves it: hashed assets plus their .br/.gz copies. */
function buildConsole(): { root: string; script: Buffer } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-web-'));
  fs.mkdirSync(path.join(root, 'assets'));
  const script = Buffer.from(
    Array.from({ length: 400 }, (_, i) => `export const row${i} = { id: ${i}, label: 'Row ${i % 7}' };`).join('\n'),
  );
  fs.writeFileSync(path.join(root, 'assets/index-AbC123xy.js'), script);
  fs.writeFileSync(
    path.join(root, 'index.html'),
    '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-AbC123xy.js"></script></body></html>',
  );
  const compressed = precompress(root);
  assert.deepEqual(
    compressed.map((file) => file.file),
    [path.join('assets', 'index-AbC123xy.js')],
  );
  return { root, script };
}

/** GETs with node:http (fetch() would decode), so the test sees the bytes on the wire. */
function raw(
  url: string,
  acceptEncoding: string,
): Promise<{ response: { status: number; headers: Headers }; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': acceptEncoding } }, (message) => {
        const chunks: Buffer[] = [];
        message.on('data', (chunk: Buffer) => chunks.push(chunk));
        message.on('error', reject);
        message.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(message.headers)) {
            if (value !== undefined) {
              headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
          }
          resolve({ response: { status: message.statusCode ?? 0, headers }, body: Buffer.concat(chunks) });
        });
      })
      .on('error', reject);
  });
}

describe('console assets: compressed by Accept-Encoding, cached by content hash', () => {
  let instance: TestInstance;
  let web: { root: string; script: Buffer };
  before(async () => {
    web = buildConsole();
    instance = await startTestInstance({}, { webRoot: web.root });
  });
  after(async () => {
    await instance.close();
    fs.rmSync(web.root, { recursive: true, force: true });
  });

  test('a hashed asset goes out as brotli when accepted, kept for a year, and decodes to the file', async () => {
    const { response, body } = await raw(`${instance.baseUrl}/assets/index-AbC123xy.js`, 'gzip, deflate, br');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'br');
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(response.headers.get('vary') ?? '', /accept-encoding/i);
    assert.ok(body.length < web.script.length / 3, `${body.length} bytes on the wire for ${web.script.length}`);
    assert.ok(zlib.brotliDecompressSync(body).equals(web.script));
  });

  test('gzip when brotli is not accepted, the plain file when nothing is', async () => {
    const gzip = await raw(`${instance.baseUrl}/assets/index-AbC123xy.js`, 'gzip');
    assert.equal(gzip.response.headers.get('content-encoding'), 'gzip');
    assert.equal(gzip.response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok(zlib.gunzipSync(gzip.body).equals(web.script));

    const plain = await raw(`${instance.baseUrl}/assets/index-AbC123xy.js`, 'identity');
    assert.equal(plain.response.headers.get('content-encoding'), null);
    assert.ok(plain.body.equals(web.script));
  });

  test('index.html, for any client-side route, is revalidated on every load', async () => {
    for (const url of ['/users', '/index.html']) {
      const { response, body } = await raw(`${instance.baseUrl}${url}`, 'gzip, br');
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get('cache-control'), 'no-cache', url);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/, url);
      assert.match(body.toString(), /<div id="root">/, url);
    }
    const page = await raw(`${instance.baseUrl}/users`, 'br');
    assert.equal(page.response.headers.get('x-frame-options'), 'DENY');
  });
});
