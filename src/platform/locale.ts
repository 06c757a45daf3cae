/**
 * The OS's preferred languages, most preferred first, as locale tags ("de_DE.UTF-8", "de-DE"):
 *   Linux    LC_ALL, else LC_MESSAGES, else LANG (POSIX order: the first one set decides)
 *   macOS    `defaults read -g AppleLanguages` (the preferred languages of System Settings), else as Linux
 *   Windows  the ICU default locale of the process (Intl), which Node takes from the user's settings
 * Side effects (a child process on macOS) are injectable for tests.
 */
type Env = Record<string, string | undefined>;

export function posixLocale(env: Env): string[] {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const v = env[name]?.trim();
    if (v) return [v];
  }
  return [];
}

/** The quoted or bare entries of `defaults read -g AppleLanguages`: `(\n    "de-DE",\n    en\n)`. */
export function parseAppleLanguages(out: string): string[] {
  return out
    .replace(/^[\s(]+|[\s)]+$/g, '')
    .split(',')
    .map((x) => x.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

/** child_process is loaded only here: a headless start on Linux then loads none of it. */
function readAppleLanguages(): string {
  return process.getBuiltinModule('node:child_process').execFileSync('defaults', ['read', '-g', 'AppleLanguages'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
}

export function osLanguages(platform: NodeJS.Platform = process.platform, env: Env = process.env, apple: () => string = readAppleLanguages): string[] {
  if (platform === 'darwin') {
    try {
      const list = parseAppleLanguages(apple());
      if (list.length) return list;
    } catch {
      // no defaults tool or no such key: the environment below
    }
  }
  if (platform === 'win32') return [Intl.DateTimeFormat().resolvedOptions().locale];
  return posixLocale(env);
}
