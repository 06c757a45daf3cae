/**
 * Reads just enough of an ELF, PE or Mach-O file to say what it is and whether a Node SEA blob was injected
 * into it (by postject), without running it: the release check for executables built on Linux for another OS.
 *
 *   ELF     a PT_NOTE entry named NODE_SEA_BLOB
 *   PE      an RT_RCDATA resource named NODE_SEA_BLOB (plus the Subsystem field: 2 = GUI, 3 = console)
 *   Mach-O  a NODE_SEA segment with a __NODE_SEA_BLOB section (thin 64-bit files only)
 *
 * and in all three, the blob starts with Node's SEA magic and the sentinel fuse was flipped to ":1".
 * The parsers are also used by patch.ts (subsystem patch, signature removal).
 */
import { readFileSync } from 'node:fs';

export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const MACHO_SEA_SEGMENT = 'NODE_SEA';
/** First 4 bytes of every SEA blob (Node's kMagic, little endian). */
export const SEA_BLOB_MAGIC = 0x0143da20;

export const PE_SUBSYSTEM_GUI = 2;
export const PE_SUBSYSTEM_CONSOLE = 3;

export type ExecutableFormat = 'elf' | 'pe' | 'macho';

export interface ExecutableInfo {
  format: ExecutableFormat;
  /** 'x64', 'arm64', 'ia32' or the raw machine number. */
  arch: string;
  /** The SEA blob is there (named resource/note/section starting with the SEA magic) and the fuse is flipped. */
  hasSeaBlob: boolean;
  /** Size of the injected blob in bytes, when found. */
  seaBlobSize?: number;
  /** The sentinel fuse reads ":1" (postject sets it once the blob is in). */
  fuseFlipped: boolean;
  /** PE only: 2 = Windows GUI, 3 = Windows console. */
  peSubsystem?: number;
  /** PE: an Authenticode certificate table; Mach-O: an LC_CODE_SIGNATURE load command. */
  signed?: boolean;
}

export class ExecutableFormatError extends Error {}

function fail(msg: string): never {
  throw new ExecutableFormatError(msg);
}

function check(buf: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > buf.length) fail(`${what} lies outside the file (offset ${offset}, length ${length}, file ${buf.length})`);
}

export function detectFormat(buf: Buffer): ExecutableFormat | undefined {
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46) return 'elf';
  if (buf.length >= 0x40 && buf.readUInt16LE(0) === 0x5a4d) return 'pe';
  if (buf.length >= 4 && [0xfeedfacf, 0xfeedface].includes(buf.readUInt32LE(0))) return 'macho';
  return undefined;
}

// ---------- PE ----------

export interface PeSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  rawSize: number;
  rawOffset: number;
}

export interface PeLayout {
  peOffset: number;
  machine: number;
  optionalHeader: number;
  pe32plus: boolean;
  subsystemOffset: number;
  checksumOffset: number;
  /** File offset of data directory entry i (8 bytes: RVA, size). */
  dataDirectory(i: number): number | undefined;
  sections: PeSection[];
}

export function parsePe(buf: Buffer): PeLayout {
  if (detectFormat(buf) !== 'pe') fail('not a PE file (no MZ header)');
  const peOffset = buf.readUInt32LE(0x3c);
  check(buf, peOffset, 24, 'PE header');
  if (buf.readUInt32LE(peOffset) !== 0x00004550) fail('no PE signature at e_lfanew');
  const machine = buf.readUInt16LE(peOffset + 4);
  const sectionCount = buf.readUInt16LE(peOffset + 6);
  const optionalSize = buf.readUInt16LE(peOffset + 20);
  const optionalHeader = peOffset + 24;
  check(buf, optionalHeader, optionalSize, 'optional header');
  const magic = buf.readUInt16LE(optionalHeader);
  if (magic !== 0x10b && magic !== 0x20b) fail(`unknown optional header magic 0x${magic.toString(16)}`);
  const pe32plus = magic === 0x20b;
  const dirCount = buf.readUInt32LE(optionalHeader + (pe32plus ? 108 : 92));
  const dirStart = optionalHeader + (pe32plus ? 112 : 96);
  const sections: PeSection[] = [];
  const table = optionalHeader + optionalSize;
  check(buf, table, sectionCount * 40, 'section table');
  for (let i = 0; i < sectionCount; i++) {
    const s = table + i * 40;
    sections.push({
      name: buf.toString('latin1', s, s + 8).replace(/\0+$/, ''),
      virtualSize: buf.readUInt32LE(s + 8),
      virtualAddress: buf.readUInt32LE(s + 12),
      rawSize: buf.readUInt32LE(s + 16),
      rawOffset: buf.readUInt32LE(s + 20),
    });
  }
  return {
    peOffset,
    machine,
    optionalHeader,
    pe32plus,
    subsystemOffset: optionalHeader + 68,
    checksumOffset: optionalHeader + 64,
    dataDirectory: (i) => (i < dirCount && dirStart + i * 8 + 8 <= optionalHeader + optionalSize ? dirStart + i * 8 : undefined),
    sections,
  };
}

function rvaToOffset(pe: PeLayout, rva: number): number | undefined {
  for (const s of pe.sections) {
    const size = Math.max(s.virtualSize, s.rawSize);
    if (rva >= s.virtualAddress && rva < s.virtualAddress + size) {
      const delta = rva - s.virtualAddress;
      return delta < s.rawSize ? s.rawOffset + delta : undefined;
    }
  }
  return undefined;
}

/** The data (file offset, size) of the resource RT_RCDATA/<name>/<first language>, if present. */
export function findPeResource(buf: Buffer, name: string, type = 10): { offset: number; size: number } | undefined {
  const pe = parsePe(buf);
  const dir = pe.dataDirectory(2);
  if (dir === undefined) return undefined;
  const rootRva = buf.readUInt32LE(dir);
  if (!rootRva || !buf.readUInt32LE(dir + 4)) return undefined;
  const root = rvaToOffset(pe, rootRva);
  if (root === undefined) return undefined;
  type Entry = { id?: number; name?: string; target: number; isDir: boolean };
  const entries = (at: number): Entry[] => {
    check(buf, at, 16, 'resource directory');
    const count = buf.readUInt16LE(at + 12) + buf.readUInt16LE(at + 14);
    check(buf, at + 16, count * 8, 'resource entries');
    const out: Entry[] = [];
    for (let i = 0; i < count; i++) {
      const e = at + 16 + i * 8;
      const n = buf.readUInt32LE(e);
      const t = buf.readUInt32LE(e + 4);
      const entry: Entry = { target: root + (t & 0x7fffffff), isDir: (t & 0x80000000) !== 0 };
      if (n & 0x80000000) {
        const s = root + (n & 0x7fffffff);
        check(buf, s, 2, 'resource name');
        const len = buf.readUInt16LE(s);
        check(buf, s + 2, len * 2, 'resource name');
        entry.name = buf.toString('utf16le', s + 2, s + 2 + len * 2);
      } else entry.id = n;
      out.push(entry);
    }
    return out;
  };
  const typeDir = entries(root).find((e) => e.id === type && e.isDir);
  if (!typeDir) return undefined;
  const nameDir = entries(typeDir.target).find((e) => e.name?.toUpperCase() === name.toUpperCase() && e.isDir);
  if (!nameDir) return undefined;
  const leaf = entries(nameDir.target).find((e) => !e.isDir);
  if (!leaf) return undefined;
  check(buf, leaf.target, 16, 'resource data entry');
  const offset = rvaToOffset(pe, buf.readUInt32LE(leaf.target));
  const size = buf.readUInt32LE(leaf.target + 4);
  if (offset === undefined) return undefined;
  check(buf, offset, size, 'resource data');
  return { offset, size };
}

// ---------- ELF ----------

/** Descriptor (file offset, size) of the first PT_NOTE entry with this name (64-bit little-endian ELF only). */
export function findElfNote(buf: Buffer, name: string): { offset: number; size: number } | undefined {
  if (detectFormat(buf) !== 'elf') fail('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) fail('only 64-bit little-endian ELF files are supported');
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  check(buf, phoff, phentsize * phnum, 'program headers');
  const align4 = (n: number) => (n + 3) & ~3;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (buf.readUInt32LE(ph) !== 4 /* PT_NOTE */) continue;
    const start = Number(buf.readBigUInt64LE(ph + 8));
    const end = start + Number(buf.readBigUInt64LE(ph + 32));
    check(buf, start, end - start, 'note segment');
    for (let p = start; p + 12 <= end; ) {
      const namesz = buf.readUInt32LE(p);
      const descsz = buf.readUInt32LE(p + 4);
      const nameAt = p + 12;
      const descAt = nameAt + align4(namesz);
      if (descAt + descsz > end) break;
      if (buf.toString('latin1', nameAt, nameAt + namesz).replace(/\0+$/, '') === name) return { offset: descAt, size: descsz };
      p = descAt + align4(descsz);
    }
  }
  return undefined;
}

// ---------- Mach-O ----------

export interface MachoCommand {
  cmd: number;
  offset: number;
  size: number;
}

export interface MachoLayout {
  cputype: number;
  ncmds: number;
  sizeofcmds: number;
  /** 32 for 64-bit files. */
  headerSize: number;
  commands: MachoCommand[];
}

export const LC_SEGMENT_64 = 0x19;
export const LC_CODE_SIGNATURE = 0x1d;

export function parseMacho(buf: Buffer): MachoLayout {
  if (detectFormat(buf) !== 'macho') fail('not a thin Mach-O file');
  if (buf.readUInt32LE(0) !== 0xfeedfacf) fail('only 64-bit Mach-O files are supported');
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  const headerSize = 32;
  check(buf, headerSize, sizeofcmds, 'load commands');
  const commands: MachoCommand[] = [];
  let at = headerSize;
  for (let i = 0; i < ncmds; i++) {
    check(buf, at, 8, 'load command');
    const size = buf.readUInt32LE(at + 4);
    if (size < 8 || at + size > headerSize + sizeofcmds) fail(`load command ${i} has a bad size ${size}`);
    commands.push({ cmd: buf.readUInt32LE(at), offset: at, size });
    at += size;
  }
  return { cputype: buf.readUInt32LE(4), ncmds, sizeofcmds, headerSize, commands };
}

export function machoSegmentName(buf: Buffer, c: MachoCommand): string {
  return buf.toString('latin1', c.offset + 8, c.offset + 24).replace(/\0+$/, '');
}

/** File offset and size of section `sect` in segment `seg`. */
export function findMachoSection(buf: Buffer, seg: string, sect: string): { offset: number; size: number } | undefined {
  const m = parseMacho(buf);
  for (const c of m.commands) {
    if (c.cmd !== LC_SEGMENT_64 || machoSegmentName(buf, c) !== seg) continue;
    const nsects = buf.readUInt32LE(c.offset + 64);
    for (let i = 0; i < nsects; i++) {
      const s = c.offset + 72 + i * 80;
      check(buf, s, 80, 'section header');
      if (buf.toString('latin1', s, s + 16).replace(/\0+$/, '') !== sect) continue;
      const size = Number(buf.readBigUInt64LE(s + 40));
      const offset = buf.readUInt32LE(s + 48);
      check(buf, offset, size, 'section data');
      return { offset, size };
    }
  }
  return undefined;
}

// ---------- all ----------

function archName(format: ExecutableFormat, machine: number): string {
  const names: Record<ExecutableFormat, Record<number, string>> = {
    elf: { 62: 'x64', 183: 'arm64', 3: 'ia32' },
    pe: { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' },
    macho: { 0x01000007: 'x64', 0x0100000c: 'arm64', 7: 'ia32' },
  };
  return names[format][machine] ?? String(machine);
}

/** What an executable (file path or contents) is, and whether a SEA blob was injected. */
export function inspectExecutable(file: string | Buffer): ExecutableInfo {
  const buf = typeof file === 'string' ? readFileSync(file) : file;
  const format = detectFormat(buf);
  if (!format) fail('not an ELF, PE or Mach-O file');
  let blob: { offset: number; size: number } | undefined;
  const info: Partial<ExecutableInfo> = { format };
  if (format === 'elf') {
    info.arch = archName(format, buf.readUInt16LE(18));
    blob = findElfNote(buf, SEA_RESOURCE);
  } else if (format === 'pe') {
    const pe = parsePe(buf);
    info.arch = archName(format, pe.machine);
    info.peSubsystem = buf.readUInt16LE(pe.subsystemOffset);
    const cert = pe.dataDirectory(4);
    info.signed = cert !== undefined && buf.readUInt32LE(cert + 4) > 0;
    blob = findPeResource(buf, SEA_RESOURCE);
  } else {
    const m = parseMacho(buf);
    info.arch = archName(format, m.cputype);
    info.signed = m.commands.some((c) => c.cmd === LC_CODE_SIGNATURE);
    blob = findMachoSection(buf, MACHO_SEA_SEGMENT, `__${SEA_RESOURCE}`);
  }
  const fuseAt = buf.indexOf(`${SEA_FUSE}:`, 0, 'latin1');
  info.fuseFlipped = fuseAt >= 0 && buf[fuseAt + SEA_FUSE.length + 1] === 0x31; /* '1' */
  const magicOk = blob !== undefined && blob.size >= 4 && buf.readUInt32LE(blob.offset) === SEA_BLOB_MAGIC;
  info.hasSeaBlob = magicOk && info.fuseFlipped;
  if (blob) info.seaBlobSize = blob.size;
  return info as ExecutableInfo;
}
