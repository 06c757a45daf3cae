import type { BuildOptions, BuildResult } from 'esbuild';
/** See bundle.mjs: esbuild with the project's CommonJS defaults. `banner` is JavaScript put before the bundle. */
export function bundleCjs(options: Omit<BuildOptions, 'banner'> & { banner?: string }): Promise<BuildResult>;
