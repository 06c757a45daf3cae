/**
 * The log file: one line per event, appended synchronously (the log is small and events are rare, so an open
 * file and writeSync cost less than a stream and lose nothing on a crash), rotated by size:
 * hoymiles-tray.log → .log.1 → … → .log.<keep>, the oldest dropped. Lines reach the sink already redacted by
 * the Logger. Owner-only file (0600) in an owner-only folder (0700).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { kernelFolderProblem } from '../platform/folders.js';
import type { Logger } from './logger.js';

export interface FileSinkOptions {
  dir: string;
  /** Default hoymiles-tray.log. */
  file?: string;
  /** Rotate when a line would take the file past this size. Default 1 MiB. */
  maxBytes?: number;
  /** Rotated generations kept (.log.1 … .log.<keep>). Default 3. */
  keep?: number;
}

export interface FileSink {
  sink: (line: string) => void;
  path: string;
  /** Why no file is written at all (a folder under /proc or the like), in plain words. */
  problem?: string;
  close(): void;
}

export function createFileSink(opts: FileSinkOptions): FileSink {
  const path = join(opts.dir, opts.file ?? 'hoymiles-tray.log');
  const maxBytes = Math.max(1, opts.maxBytes ?? 1024 * 1024);
  const keep = Math.max(0, Math.floor(opts.keep ?? 3));
  let fd: number | undefined;
  let size = 0;
  // Under /proc Node's recursive mkdir never returns: such a folder gets no log file at all.
  const problem = kernelFolderProblem(opts.dir, 'log folder');
  let closed = problem !== undefined;

  const open = () => {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    fd = openSync(path, 'a', 0o600);
    // The mode above applies only to a new file; tighten one that an older version (or a user) created.
    try {
      fchmodSync(fd, 0o600);
    } catch {
      /* not ours to change (Windows, odd file systems): keep logging */
    }
    size = fstatSync(fd).size;
  };
  const closeFd = () => {
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      /* already gone */
    }
    fd = undefined;
  };
  const rotate = () => {
    closeFd();
    try {
      rmSync(`${path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      if (keep >= 1) renameSync(path, `${path}.1`);
      else rmSync(path, { force: true });
    } catch {
      /* a viewer holding the file on Windows: keep appending to the big file rather than lose lines */
    }
    open();
  };

  return {
    path,
    problem,
    sink(line: string) {
      if (closed) return;
      // One event, one line: a multi-line error message stays on its line.
      const data = Buffer.from(`${line.replace(/\r?\n/g, ' | ')}\n`, 'utf8');
      try {
        if (fd === undefined) open();
        if (size > 0 && size + data.length > maxBytes) rotate();
        size += writeSync(fd!, data);
      } catch {
        // A full disk or a removed folder must not take the app down; the next line tries to reopen.
        closeFd();
      }
    },
    close() {
      closed = true;
      closeFd();
    },
  };
}

/**
 * Opens a file with the OS's viewer for its type (the default text editor; Console on macOS). Never throws;
 * a failure is logged. No shell is involved: on Windows explorer.exe opens the file by its association,
 * which avoids cmd.exe expanding `%…%` or `^` in a user name.
 */
export function openWithOsViewer(path: string, logger?: Logger): void {
  try {
    if (!isAbsolute(path)) throw new Error(`not an absolute path: ${path}`);
    if (!existsSync(path)) throw new Error(`${path} does not exist yet`);
    const platform = process.platform;
    const cmd = platform === 'win32' ? 'explorer.exe' : platform === 'darwin' ? 'open' : 'xdg-open';
    const child = spawn(cmd, [path], { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', (err) => logger?.warn(`Could not start ${cmd} to open ${path}; open it by hand`, err));
    child.on('exit', (code) => {
      // explorer.exe exits with 1 even when it worked.
      if (code && platform !== 'win32') logger?.warn(`${cmd} could not open ${path} (exit code ${code}); open it by hand.`);
    });
    child.unref();
  } catch (err) {
    logger?.warn('Could not open the log file', err);
  }
}
