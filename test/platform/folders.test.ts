/** Folders the app cannot use: the kernel's proc and sysfs file systems. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderError, kernelFolderProblem } from '../../src/platform/folders.js';

describe('folders that cannot hold files', () => {
  it.each(['/proc/hoymiles', '/proc/self/x/y', '/sys/kernel/hoymiles'])('%s is refused with a plain message', (p) => {
    expect(kernelFolderProblem(p, 'configuration folder', 'linux')).toMatch(/kernel's (proc|sysfs) file system, which cannot hold files/);
  });
  it('a normal folder is fine', () => {
    const d = mkdtempSync(join(tmpdir(), 'folders-'));
    expect(kernelFolderProblem(join(d, 'new', 'deeper'), 'configuration folder', 'linux')).toBeUndefined();
    rmSync(d, { recursive: true, force: true });
  });
});

describe('what a failed write says about its folder', () => {
  it.each([
    ['EROFS', 'it is on a read-only file system'],
    ['EACCES', 'this user may not write there'],
    ['EPERM', 'this user may not write there'],
    ['ENOSPC', 'the disk is full'],
    ['ENOENT', 'it does not exist (any more)'],
    ['EIO', 'writing failed (EIO)'],
  ])('%s: %s', (code, words) => {
    expect(folderError(Object.assign(new Error('x'), { code }))).toBe(words);
  });
  it('an error without a code is told by its message', () => {
    expect(folderError(new Error('disk on fire'))).toBe('writing failed (disk on fire)');
  });
  it('on Windows no path is refused up front', () => {
    expect(kernelFolderProblem('/proc/x', 'configuration folder', 'win32')).toBeUndefined();
  });
});
