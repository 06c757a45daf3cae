/**
 * Loading a CommonJS file without Node's whole-file read, for main.ts: the source is read in 64 kB pieces into
 * one reused buffer (src/platform/file-pieces.ts says why), then compiled and run as `require` would.
 */
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { forEachPiece, PIECE_BYTES } from '../platform/file-pieces.js';

/** The text of a UTF-8 file, read `pieceBytes` at a time into one reused buffer. */
export function readInPieces(file: string, pieceBytes = PIECE_BYTES): string {
  const decoder = new StringDecoder('utf8'); // a character cut between two pieces is joined
  const parts: string[] = [];
  forEachPiece(file, (piece) => parts.push(decoder.write(piece)), pieceBytes);
  parts.push(decoder.end());
  return parts.join('');
}

/** The parts of Node's CommonJS loader that `require` itself uses (not in @types/node). */
interface CommonJsModule extends NodeJS.Module {
  /** `format` from Node 22.7 on (Node's own .cjs loading passes 'commonjs': no ESM syntax detection); ignored before. */
  _compile(source: string, filename: string, format?: 'commonjs'): unknown;
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
  m._compile(readInPieces(file), file, 'commonjs');
  m.loaded = true;
  return m.exports;
}
