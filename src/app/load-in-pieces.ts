/**
 * Loading a CommonJS file without Node's whole-file read, for main.ts (which says why): the source is read in
 * 64 kB pieces into one reused buffer, then compiled and run as `require` would.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** Below glibc's default mmap threshold (128 kB), so each piece comes from, and goes back to, the ordinary heap. */
const PIECE_BYTES = 64 * 1024;

/** The text of a UTF-8 file, read `pieceBytes` at a time into one reused buffer. */
export function readInPieces(file: string, pieceBytes = PIECE_BYTES): string {
  const fd = openSync(file, 'r');
  try {
    const piece = Buffer.allocUnsafeSlow(pieceBytes);
    const decoder = new StringDecoder('utf8'); // a character cut between two pieces is joined
    const parts: string[] = [];
    for (let n = readSync(fd, piece, 0, pieceBytes, null); n > 0; n = readSync(fd, piece, 0, pieceBytes, null)) {
      parts.push(decoder.write(piece.subarray(0, n)));
    }
    parts.push(decoder.end());
    return parts.join('');
  } finally {
    closeSync(fd);
  }
}

/** The parts of Node's CommonJS loader that `require` itself uses (not in @types/node). */
interface CommonJsModule extends NodeJS.Module {
  _compile(source: string, filename: string): unknown;
}
interface CommonJsLoader {
  new (id: string, parent?: NodeJS.Module): CommonJsModule;
  _nodeModulePaths(dir: string): string[];
}

/**
 * Runs a CommonJS file as `require` would (its own `require`, `module`, `__filename`, dynamic `import()`), with its
 * source read by readInPieces, as a child of `parent`. Returns its exports.
 */
export function runInPieces(file: string, parent: NodeJS.Module): unknown {
  // The loader's class is the parent's constructor: importing node:module instead would also load Node's ESM loader.
  const Loader = parent.constructor as unknown as CommonJsLoader;
  const m = new Loader(file, parent);
  m.filename = file;
  m.paths = Loader._nodeModulePaths(dirname(file));
  m._compile(readInPieces(file), file);
  m.loaded = true;
  return m.exports;
}
