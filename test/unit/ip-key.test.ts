import { clientKey } from '../../src/services/shared/ip-key';

describe('clientKey (the client an IP is counted as)', () => {
  it('keeps an IPv4 address as is', () => {
    expect(clientKey('203.0.113.50')).toBe('203.0.113.50');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientKey('::ffff:203.0.113.50')).toBe('203.0.113.50');
    expect(clientKey('::FFFF:cb00:7132')).toBe('203.0.113.50');
    expect(clientKey('0:0:0:0:0:ffff:203.0.113.50')).toBe('203.0.113.50');
  });

  it('counts every address of one IPv6 /64 as one client, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:db8:1:2::ffff',
      '2001:0DB8:0001:0002:abcd:ef01:2345:6789',
      '2001:db8:1:2:0:0:0:0',
      '2001:db8:1:2::ffff:1.2.3.4',
    ]) {
      expect(clientKey(ip)).toBe(key);
    }
    expect(clientKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('drops a port a proxy appended, so each connection is not a new client', () => {
    expect(clientKey('203.0.113.77:1001')).toBe('203.0.113.77');
    expect(clientKey('203.0.113.77:1002')).toBe('203.0.113.77');
    expect(clientKey('[2001:db8:bb:1::5]:443')).toBe('2001:db8:bb:1::/64');
    expect(clientKey('[2001:db8:bb:1::6]')).toBe('2001:db8:bb:1::/64');
  });

  it('puts everything that is not an IP address in one bucket', () => {
    expect(clientKey('unknown')).toBe('not-an-address');
    expect(clientKey('')).toBe('not-an-address');
    expect(clientKey('proxy.internal')).toBe(clientKey('garbage-1'));
  });
});
