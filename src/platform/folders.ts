/**
 * Whether a folder can hold the app's files, in plain words. Linux's kernel file systems (/proc, /sys, …) look
 * like folders but hold no files: Node's recursive mkdir under /proc spins at 100 % CPU and ignores SIGTERM, so
 * such paths are refused before anything touches them. And a write that fails is explained by what is wrong
 * with the folder (read-only, not ours, full), not by an errno alone.
 */
import { existsSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** statfs(2) magic numbers of Linux file systems that cannot hold ordinary files. */
const KERNEL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x64626720: 'debugfs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0xcafe4a11: 'bpf',
  0x6e736673: 'nsfs',
  0x74726163: 'tracefs',
};
const KERNEL_PREFIXES: Record<string, string> = { '/proc': 'proc', '/sys': 'sysfs' };

/** Why `path` cannot be the app's folder, or undefined when it can be tried. Never throws. */
export function kernelFolderProblem(path: string, what: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') return undefined;
  let p = resolve(path);
  try {
    while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
    p = realpathSync(p);
  } catch {
    /* judge the path as given */
  }
  const inside = [resolve(path), p].flatMap((x) => Object.keys(KERNEL_PREFIXES).filter((pre) => x === pre || x.startsWith(`${pre}/`)));
  let fs: string | undefined = inside[0] === undefined ? undefined : KERNEL_PREFIXES[inside[0]];
  if (!fs && platform === 'linux') {
    try {
      fs = KERNEL_FS[Number(statfsSync(p).type)];
    } catch {
      /* no statfs here: the prefix check above has to do */
    }
  }
  if (!fs) return undefined;
  return `The ${what} ${path} is on the kernel's ${fs} file system, which cannot hold files. Choose a normal folder (for example under your home folder).`;
}

/** What a failed write says about its folder, in plain words: "is read-only", "is not writable for this user". */
export function folderError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'this user may not write there';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'ENOENT':
      return 'it does not exist (any more)';
    default:
      return code ? `writing failed (${code})` : `writing failed (${(err as Error)?.message ?? String(err)})`;
  }
}
