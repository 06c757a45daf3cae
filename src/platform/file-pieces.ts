/**
 * Reading a file a piece at a time into one reused buffer, so that no block the size of the file is allocated.
 * On Linux that matters for the life of the process: glibc serves a block over 128 kB with mmap, and freeing one
 * raises its mmap threshold to the block's size and its trim threshold to twice that (mallopt(3)), so up to twice
 * the largest file read stays resident as freed memory (src/app/main.ts, README "Benchmark").
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Below glibc's default mmap threshold (128 kB), so the piece comes from, and goes back to, the ordinary heap. */
export const PIECE_BYTES = 64 * 1024;

/** Calls `onPiece` with each piece of the file in order; the buffer is reused, so copy what must outlive the call. */
export function forEachPiece(file: string, onPiece: (piece: Buffer) => void, pieceBytes = PIECE_BYTES): void {
  const fd = openSync(file, 'r');
  try {
    const piece = Buffer.allocUnsafeSlow(pieceBytes);
    for (let n = readSync(fd, piece, 0, pieceBytes, null); n > 0; n = readSync(fd, piece, 0, pieceBytes, null)) onPiece(piece.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
