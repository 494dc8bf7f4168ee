/**
 * Writes a brotli (.br) and a gzip (.gz) copy next to every compressible file of the built
 * console, so the server sends them by Accept-Encoding without compressing per request.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map)$/i;
/** Below this a compressed copy saves less than a packet. */
const MIN_BYTES = 1024;

export interface CompressedFile {
  file: string;
  bytes: number;
  brotli: number;
  gzip: number;
}

/**
 * Compresses every compressible file under `dir` (recursively), best ratio, once at build time.
 * @param dir the built console (dist/web)
 * @returns each file's original, brotli and gzip sizes
 */
export function precompress(dir: string): CompressedFile[] {
  const done: CompressedFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) {
      continue;
    }
    const content = fs.readFileSync(full);
    if (content.length < MIN_BYTES) {
      continue;
    }
    const brotli = zlib.brotliCompressSync(content, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    const gzip = zlib.gzipSync(content, { level: zlib.constants.Z_BEST_COMPRESSION });
    fs.writeFileSync(`${full}.br`, brotli);
    fs.writeFileSync(`${full}.gz`, gzip);
    done.push({ file: path.relative(dir, full), bytes: content.length, brotli: brotli.length, gzip: gzip.length });
  }
  return done;
}
