/**
 * Which host serves which call (reference §1): auth on the region's login host (euapi, never neapi, which
 * 307-redirects and burns the nonce), `/pvmc/` on neapi, `real_g_c` on eud0, the burst URL exactly as given.
 * `HOYMILES_API_URL` replaces every host with one base URL (tests, proxies).
 */
export const HOSTS = {
  login: 'https://euapi.hoymiles.com',
  api: 'https://neapi.hoymiles.com',
  data: 'https://eud0.hoymiles.com',
} as const;

export class HostRouter {
  private loginHost: string = HOSTS.login;
  constructor(private readonly override?: string) {}

  /** `region_c` tells which login host an account lives on; only Hoymiles hosts are accepted. */
  setLoginHost(url: string | undefined): void {
    if (url && /^https:\/\/[a-z0-9.-]+\.hoymiles\.com\/?$/i.test(url) && !/neapi\./i.test(url)) this.loginHost = url.replace(/\/$/, '');
  }

  url(path: string): string {
    if (this.override) return joinUrl(this.override, path);
    if (path.startsWith('/iam/')) return joinUrl(this.loginHost, path);
    if (path.startsWith('/pvmc/api/0/station_data/')) return joinUrl(HOSTS.data, path);
    return joinUrl(HOSTS.api, path);
  }

  /** The burst URL is used as handed out, except that an override base replaces its origin. */
  burstUrl(uri: string): string {
    if (!this.override) return uri;
    const u = new URL(uri);
    return joinUrl(this.override, u.pathname + u.search);
  }
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
