import { describe, expect, it } from 'vitest';
import { HostRouter } from '../../src/cloud/hosts.js';

describe('host routing (reference §1)', () => {
  const r = new HostRouter();
  it('auth goes to the login host, never neapi', () => {
    expect(r.url('/iam/pub/3/auth/login')).toBe('https://euapi.hoymiles.com/iam/pub/3/auth/login');
    r.setLoginHost('https://neapi.hoymiles.com');
    expect(r.url('/iam/pub/3/auth/pre-insp')).toMatch(/^https:\/\/euapi\./);
    r.setLoginHost('https://evil.example.com');
    expect(r.url('/iam/pub/3/auth/pre-insp')).toMatch(/^https:\/\/euapi\./);
  });
  it('/pvmc/ goes to neapi, station_data to eud0', () => {
    expect(r.url('/pvmc/api/0/station/select_by_page_c')).toBe('https://neapi.hoymiles.com/pvmc/api/0/station/select_by_page_c');
    expect(r.url('/pvmc/api/0/station_ctl/write_c')).toMatch(/^https:\/\/neapi\./);
    expect(r.url('/pvmc/api/0/station_data/real_g_c')).toBe('https://eud0.hoymiles.com/pvmc/api/0/station_data/real_g_c');
  });
  it('the burst URL is used as given', () => {
    const u = 'https://eurt.hoymiles.com/rds/api/0/burst/get?k=abc&t=1';
    expect(r.burstUrl(u)).toBe(u);
  });
  it('HOYMILES_API_URL replaces every host', () => {
    const o = new HostRouter('http://127.0.0.1:9/base/');
    expect(o.url('/iam/pub/3/auth/login')).toBe('http://127.0.0.1:9/base/iam/pub/3/auth/login');
    expect(o.url('/pvmc/api/0/station_data/real_g_c')).toBe('http://127.0.0.1:9/base/pvmc/api/0/station_data/real_g_c');
    expect(o.burstUrl('https://eurt.hoymiles.com/rds/api/0/burst/get?k=abc&t=1')).toBe('http://127.0.0.1:9/base/rds/api/0/burst/get?k=abc&t=1');
  });
});
