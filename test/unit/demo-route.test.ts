import { demoConfigScript, tossSdkUrlFor } from '../../src/demo/demo-route';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/services/demo/demo-seed';

describe('demo storefront settings', () => {
  it("loads Toss's real SDK for Toss's API, and the sandbox's stand-in for any other URL", () => {
    expect(tossSdkUrlFor('https://api.tosspayments.com')).toBe('https://js.tosspayments.com/v2/standard');
    expect(tossSdkUrlFor('http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100/v2/standard');
  });

  it('hands the page its client key, SDK and demo logins, as inert JSON', () => {
    const script = demoConfigScript({ tossClientKey: 'test_ck_</script>', tossSdkUrl: 'http://127.0.0.1:4100/v2/standard' });
    expect(script).not.toContain('</script>');
    const config = JSON.parse(script.replace(/^window\.DEMO_CONFIG = /, '').replace(/;\n$/, ''));
    expect(config).toEqual({
      tossClientKey: 'test_ck_</script>',
      tossSdkUrl: 'http://127.0.0.1:4100/v2/standard',
      customer: { email: DEMO_ACCOUNTS.customer, password: DEMO_PASSWORD },
      admin: { email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD },
      sellers: DEMO_ACCOUNTS.sellers.map((email) => ({ email, password: DEMO_PASSWORD })),
    });
  });
});
