/**
 * Builds the console (web/) into dist/web with Vite. With `--if-needed` it skips the build when
 * dist/web is newer than every file under web/ and shared/, so `npm start` stays fast.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
  if (fs.statSync(output).mtimeMs >= sources) {
    process.exit(0);
  }
}
console.log('Building the console (web/ → dist/web)…');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
