/**
 * Builds the console (web/) into dist/web with Vite, then writes brotli and gzip copies of its
 * files (the server sends those by Accept-Encoding). With `--if-needed` it skips the build when
 * dist/web is newer than every file under web/ and shared/, so `npm start` stays fast.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { precompress } from './precompress.ts';

const root = path.resolve(import.meta.dirname, '..');
const output = path.join(root, 'dist/web/index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const ifNeeded = process.argv.includes('--if-needed');
if (ifNeeded && fs.existsSync(output)) {
  const sources = Math.max(newestMtime(path.join(root, 'web')), newestMtime(path.join(root, 'shared')));
  const compressed = fs.readdirSync(path.join(path.dirname(output), 'assets')).some((name) => name.endsWith('.br'));
  if (fs.statSync(output).mtimeMs >= sources && compressed) {
    process.exit(0);
  }
}
console.log('Building the console (web/ → dist/web)…');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.exit(result.status ?? 1);
}
const compressed = precompress(path.dirname(output));
const total = (key: 'bytes' | 'brotli' | 'gzip') => compressed.reduce((sum, file) => sum + file[key], 0);
console.log(
  `Compressed ${compressed.length} files: ${total('bytes')} bytes → ${total('brotli')} brotli, ${total('gzip')} gzip.`,
);
