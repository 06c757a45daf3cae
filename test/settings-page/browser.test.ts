/** The commands used to open the settings page's URL (src/settings-page/browser.ts). */
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/log/logger.js';
import { browserCommands, NO_BROWSER_HINT, openInBrowser } from '../../src/settings-page/browser.js';

describe('browserCommands', () => {
  const url = 'http://127.0.0.1:1234/?k=abc';
  it('BROWSER first (with %s or the URL appended, several entries), then the OS opener', () => {
    expect(browserCommands(url, { BROWSER: 'firefox' }, 'linux')).toEqual([
      { cmd: 'firefox', args: [url] },
      { cmd: 'xdg-open', args: [url] },
    ]);
    expect(browserCommands(url, { BROWSER: 'chromium --incognito %s:lynx' }, 'linux').map((c) => [c.cmd, ...c.args])).toEqual([
      ['chromium', '--incognito', url],
      ['lynx', url],
      ['xdg-open', url],
    ]);
    expect(browserCommands(url, {}, 'darwin')).toEqual([{ cmd: 'open', args: [url] }]);
    expect(browserCommands(url, { BROWSER: 'C:\\b\\x.exe' }, 'win32')[0]).toEqual({ cmd: 'C:\\b\\x.exe', args: [url] });
  });
});

describe('openInBrowser', () => {
  it('tries BROWSER, then the OS opener; when none works the log points to --settings and the tray, never the link', async () => {
    const saved = { BROWSER: process.env.BROWSER, PATH: process.env.PATH };
    process.env.BROWSER = '/bin/false'; // exits 1: the next candidate is tried
    process.env.PATH = '/nonexistent'; // no xdg-open / open either
    const { logger, lines } = memoryLogger();
    try {
      const url = 'http://127.0.0.1:1234/?k=one-time-key-abc';
      expect(await openInBrowser(url, logger)).toBe(false);
      expect(lines.join('\n')).toContain(NO_BROWSER_HINT);
      expect(NO_BROWSER_HINT).toContain('hoymiles-tray --settings');
      expect(lines.join('\n')).not.toContain('one-time-key-abc');
    } finally {
      process.env.BROWSER = saved.BROWSER;
      process.env.PATH = saved.PATH;
      if (saved.BROWSER === undefined) delete process.env.BROWSER;
    }
  });
});
