/** Opening the settings page in the user's browser: BROWSER first (the common convention), then the OS's opener. */
import { spawn } from 'node:child_process';
import { isSafeAnchor } from '../config/page-sections.js';
import type { Logger } from '../log/logger.js';

/** `url` with `#field` appended (replacing any fragment); `field` must be a plain anchor ([A-Za-z0-9_-]). */
export function withFragment(url: string, field?: string): string {
  if (!field) return url;
  if (!isSafeAnchor(field)) throw new Error(`refusing an unusual page anchor ${JSON.stringify(field.slice(0, 40))}`);
  return `${url.replace(/#.*$/, '')}#${field}`;
}

/** The commands to try for a URL: each of BROWSER's entries (the common convention: `%s` stands for the URL,
 * else it is appended; several separated like PATH), then the OS's opener. Pure. */
export function browserCommands(url: string, env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): { cmd: string; args: string[]; windowsVerbatimArguments?: boolean }[] {
  const out: { cmd: string; args: string[]; windowsVerbatimArguments?: boolean }[] = [];
  for (const entry of (env.BROWSER ?? '').split(platform === 'win32' ? ';' : ':')) {
    const words = entry.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const withUrl = words.some((w) => w.includes('%s'));
    const args = words.slice(1).map((w) => w.replaceAll('%s', url));
    out.push({ cmd: words[0]!.replaceAll('%s', url), args: withUrl ? args : [...args, url] });
  }
  if (platform === 'win32') out.push({ cmd: 'cmd', args: ['/c', 'start', '""', url], windowsVerbatimArguments: true });
  else out.push({ cmd: platform === 'darwin' ? 'open' : 'xdg-open', args: [url] });
  return out;
}

/** What the log says when no browser could be opened: never the link itself (its key works once). */
export const NO_BROWSER_HINT = 'Could not open a web browser. Open the settings page with `hoymiles-tray --settings` or the tray menu (Settings…).';

/**
 * Opens `url` in the browser (BROWSER first, then the OS's opener), at the anchor `field` if given (e.g.
 * `control-<sn>-input_power`: the page scrolls to and highlights it). Never throws; resolves true when some
 * command took the URL (exited 0, or is still running after a few seconds, like a browser itself).
 */
export async function openInBrowser(url: string, logger?: Logger, field?: string): Promise<boolean> {
  let candidates: ReturnType<typeof browserCommands>;
  try {
    url = withFragment(url, field);
    if (!/^https?:\/\/[^\s"'&|<>^%]+$/.test(url)) throw new Error('refusing to open an unusual URL');
    candidates = browserCommands(url);
  } catch (err) {
    logger?.warn('Could not open the browser', err);
    return false;
  }
  for (const c of candidates) {
    const worked = await new Promise<boolean>((resolve) => {
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(c.cmd, c.args, { detached: true, stdio: 'ignore', windowsHide: true, windowsVerbatimArguments: c.windowsVerbatimArguments });
      } catch {
        return resolve(false);
      }
      const timer = setTimeout(() => {
        child.unref();
        resolve(true);
      }, 3_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        logger?.debug(`Could not start ${c.cmd} to open the browser: ${err.message}`);
        resolve(false);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code) logger?.debug(`${c.cmd} could not open the browser (exit code ${code})`);
        resolve(code === 0);
      });
    });
    if (worked) return true;
  }
  logger?.warn(NO_BROWSER_HINT);
  return false;
}
