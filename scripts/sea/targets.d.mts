/** See targets.mjs: the release targets of `npm run package`. */
export interface ReleaseTargetRow {
  platform: 'linux' | 'win32' | 'darwin';
  npm: string;
  bin: string;
  out: string;
  helper: string;
  keyring: string;
}
export const TARGETS: Record<'linux-x64' | 'win-x64' | 'macos-x64' | 'macos-arm64', ReleaseTargetRow>;
export const ALIASES: Record<string, string>;
export const CI_TARGETS: ('linux-x64' | 'win-x64' | 'macos-x64' | 'macos-arm64')[];
