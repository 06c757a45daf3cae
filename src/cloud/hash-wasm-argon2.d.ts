// Types for hash-wasm's Argon2-only build, which auth.ts loads instead of the whole library (see there why).
declare module 'hash-wasm/dist/argon2.umd.min.js' {
  import type { argon2id } from 'hash-wasm';
  const mod: { argon2id: typeof argon2id; default?: { argon2id: typeof argon2id } };
  export = mod;
}
