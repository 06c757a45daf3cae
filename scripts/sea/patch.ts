/**
 * Byte-level edits of the official Node binaries, done on Linux at packaging time (no codesign, signtool or
 * PE editor needed):
 *   - setPeSubsystem: Windows console (3) → GUI (2), so no console window opens with the tray app;
 *   - stripPeSignature: drops node.exe's Authenticode certificate (it would be broken by the injection anyway);
 *   - stripMachoSignature: what `codesign --remove-signature` does, so macOS sees an unsigned binary rather
 *     than one whose signature no longer matches (which the kernel kills).
 * All work on a Buffer and return the (possibly shorter) result.
 */
import { LC_CODE_SIGNATURE, LC_SEGMENT_64, machoSegmentName, parseMacho, parsePe } from './inspect.js';

/** Sets the PE optional header's Subsystem field in place; returns the previous value. */
export function setPeSubsystem(buf: Buffer, subsystem: number): number {
  const pe = parsePe(buf);
  const before = buf.readUInt16LE(pe.subsystemOffset);
  buf.writeUInt16LE(subsystem, pe.subsystemOffset);
  return before;
}

/**
 * Removes the Authenticode certificate table (data directory 4): the entry is zeroed and, when the table sits
 * at the end of the file (where signtool puts it), the file is cut there. Returns the buffer to write.
 */
export function stripPeSignature(buf: Buffer): Buffer {
  const pe = parsePe(buf);
  const dir = pe.dataDirectory(4);
  if (dir === undefined) return buf;
  const offset = buf.readUInt32LE(dir); // a file offset for this directory, not an RVA
  const size = buf.readUInt32LE(dir + 4);
  if (!size) return buf;
  buf.writeUInt32LE(0, dir);
  buf.writeUInt32LE(0, dir + 4);
  // Round the signed length up to 8 (the certificate table is 8-aligned) before comparing with the file end.
  return offset + size >= buf.length - 7 && offset <= buf.length ? buf.subarray(0, offset) : buf;
}

/**
 * Removes LC_CODE_SIGNATURE from a thin 64-bit Mach-O: the load command goes (later ones move up), __LINKEDIT
 * shrinks to end where the signature began, and the file is cut there. Returns the buffer to write.
 */
export function stripMachoSignature(buf: Buffer): Buffer {
  const m = parseMacho(buf);
  const sig = m.commands.find((c) => c.cmd === LC_CODE_SIGNATURE);
  if (!sig) return buf;
  const dataoff = buf.readUInt32LE(sig.offset + 8);
  const datasize = buf.readUInt32LE(sig.offset + 12);
  const linkedit = m.commands.find((c) => c.cmd === LC_SEGMENT_64 && machoSegmentName(buf, c) === '__LINKEDIT');
  if (!linkedit) throw new Error('Mach-O without __LINKEDIT');
  const fileoff = Number(buf.readBigUInt64LE(linkedit.offset + 40));
  const filesize = Number(buf.readBigUInt64LE(linkedit.offset + 48));
  if (dataoff + datasize !== fileoff + filesize || dataoff + datasize !== buf.length) {
    throw new Error('The code signature is not at the end of __LINKEDIT and of the file; refusing to cut it');
  }
  // Drop the load command: move the following commands up, zero the freed tail, fix the header counts.
  const cmdsEnd = m.headerSize + m.sizeofcmds;
  buf.copy(buf, sig.offset, sig.offset + sig.size, cmdsEnd);
  buf.fill(0, cmdsEnd - sig.size, cmdsEnd);
  buf.writeUInt32LE(m.ncmds - 1, 16);
  buf.writeUInt32LE(m.sizeofcmds - sig.size, 20);
  // __LINKEDIT now ends where the signature started (its offset may have moved up with the commands).
  const le = linkedit.offset > sig.offset ? linkedit.offset - sig.size : linkedit.offset;
  const newFilesize = dataoff - fileoff;
  const page = 0x4000;
  buf.writeBigUInt64LE(BigInt(newFilesize), le + 48);
  buf.writeBigUInt64LE(BigInt(Math.ceil(newFilesize / page) * page), le + 32);
  return buf.subarray(0, dataoff);
}
