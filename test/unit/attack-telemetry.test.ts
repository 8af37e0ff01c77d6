import { ConfigError, loadConfig } from '../../src/config';
import { OperationNameLabels } from '../../src/telemetry/metrics';
import { maskSql, pathTemplate, redactedQuery } from '../../src/telemetry/redaction';

/**
 * Attacks on the telemetry settings and the pure rules of what spans and labels may carry
 * (issue #19, README "Observability").
 */
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

const TRACING = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

describe('bad OTEL_* settings stop the server at boot, naming the variable', () => {
  // Each of these is only a diag warning in the OpenTelemetry SDK, and the app registers no diag
  // logger: the server starts "with tracing on" and silently exports with another protocol, to no
  // exporter at all, or with defaults in place of what the operator wrote.
  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/jsn'], // silently http/protobuf
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'grcp'], // silently http/protobuf
    ['OTEL_TRACES_EXPORTER', 'otlpp'], // silently no exporter at all: nothing is ever sent
    ['OTEL_BSP_SCHEDULE_DELAY', 'soon'],
    ['OTEL_BSP_MAX_QUEUE_SIZE', '-5'],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', 'ten seconds'],
    ['OTEL_EXPORTER_OTLP_COMPRESSION', 'zip'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'Authorization Bearer abc'], // not key=value: silently no header (the collector refuses every export)
    ['OTEL_PROPAGATORS', 'tracecontxt'],
    // One entry without `=`: the SDK drops every attribute, the service name with them (it becomes `unknown_service:node`,
    // while config.ts, seeing `service.name=` here, gives no default name).
    ['OTEL_RESOURCE_ATTRIBUTES', 'service.name=shop,team'],
  ])('%s=%s is refused', (name, value) => {
    expect(problemsOf({ ...TRACING, [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name} `))]);
  });

  it('holds: OTEL_SDK_DISABLED, the endpoints, the sampler and its ratio are checked', () => {
    expect(problemsOf({ ...TRACING, OTEL_SDK_DISABLED: 'TRUE' })).toEqual([expect.stringMatching(/^OTEL_SDK_DISABLED /)]);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' })).toEqual([
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT /),
    ]);
    for (const arg of [' ', '-0.1', '1.5', 'half', 'NaN'])
      expect(problemsOf({ ...TRACING, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })).toEqual([
        'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1',
      ]);
  });
});

describe('bad METRICS_* settings stop the server at boot, naming the variable', () => {
  it('METRICS_OPERATION_NAMES with a name that can never be a label (not a GraphQL name, or past 64 characters) is refused', () => {
    // Such a name is never matched (labels are GraphQL names of at most 64 characters): the
    // operator's dashboard stays empty for it, with no word why.
    expect(problemsOf({ METRICS_TOKEN: 'x'.repeat(40), METRICS_OPERATION_NAMES: 'Listing,create-order' })).toEqual([
      expect.stringMatching(/^METRICS_OPERATION_NAMES /),
    ]);
    expect(problemsOf({ METRICS_TOKEN: 'x'.repeat(40), METRICS_OPERATION_NAMES: `Listing,${'A'.repeat(65)}` })).toEqual([
      expect.stringMatching(/^METRICS_OPERATION_NAMES /),
    ]);
  });

  it('holds: the metrics port differs from PORT, the token is long, the listener is on loopback unless told', () => {
    expect(problemsOf({ PORT: '4000', METRICS_PORT: '4000' })).toEqual(['METRICS_PORT must differ from PORT (or be unset)']);
    expect(problemsOf({ METRICS_PORT: '4000' })).toEqual(['METRICS_PORT must differ from PORT (or be unset)']);
    expect(problemsOf({ METRICS_TOKEN: 'x'.repeat(31) })).toEqual(['METRICS_TOKEN must be at least 32 characters']);
    expect(problemsOf({ METRICS_PORT: '70000' })).toEqual([expect.stringMatching(/^METRICS_PORT /)]);
    // `METRICS_HOST=` in a .env file is unset: loopback, never every interface.
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '' }).telemetry.metrics.listener).toEqual({ port: 9464, host: '127.0.0.1' });
    // The production profile: the listener is still loopback by default (the main port listens everywhere).
    const production = { DATABASE_URL: 'mysql://db/mp', AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };
    expect(loadConfig({ ...production, METRICS_PORT: '9464' }).telemetry.metrics.listener).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(problemsOf({ ...production, METRICS_TOKEN: 'a'.repeat(40) })[0]).toMatch(/^METRICS_TOKEN /);
  });
});

describe('holds: what spans may carry', () => {
  it('maskSql leaves no literal of any kind a driver or builder can inline', () => {
    const secrets = [
      "'alice@example.com'",
      "'it\\'s \\\\ a \\n multi''line'",
      '"double \\" quoted"',
      "X'DEADBEEF'",
      "b'0101'",
      '0x1f2e',
      '4242424242424242',
      '12345.678',
      '1.5e-7',
      "_utf8mb4'kimchi'",
      "N'카드'",
      "'2026-12-02 04:43:00.000'",
      '\'{"cardNumber":"4242"}\'',
    ];
    for (const literal of secrets) {
      const masked = maskSql(`select * from t1 where a = ${literal} and b in (${literal}, ${literal}) limit 10`);
      expect({
        literal,
        masked: /[0-9]|'|"|DEAD|kimchi|카드|alice|card/i.test(masked.replace(/\bt1\b/, 't').replace(/_utf8mb4/g, '_utf')),
      }).toEqual({
        literal,
        masked: false,
      });
    }
    // Identifiers and placeholders stay.
    expect(maskSql('select `t0`.`id` from `order_line` as `t0` where `t0`.`order_id` in (?, ?)')).toBe(
      'select `t0`.`id` from `order_line` as `t0` where `t0`.`order_id` in (?, ?)',
    );
  });

  it("Toss path templates never keep a payment key or order id, whatever they look like; a query string's values never stay", () => {
    for (const key of ['tgen_20261202abc', 'tviva20261202ABCDEF', 'a%2Fb', '..'])
      for (const p of [`/v1/payments/${key}`, `/v1/payments/${key}/cancel`, `/v1/payments/orders/${key}`, `/v1/payments/${key}?x=${key}`])
        expect({ p, template: pathTemplate(p).includes(key) }).toEqual({ p, template: false });
    expect(redactedQuery('/demo/?view=success&paymentKey=tgen_1&orderId=o-1&amount=17000')).toBe(
      'view=REDACTED&paymentKey=REDACTED&orderId=REDACTED&amount=REDACTED',
    );
    expect(redactedQuery('/graphql?extensions=%7B%22persistedQuery%22%7D&variables=%7B%22email%22%3A%22a%40b.co%22%7D')).not.toMatch(
      /a%40b|a@b/,
    );
  });

  it('operation name labels stay bounded whatever names clients send', () => {
    const labels = new OperationNameLabels(null, 100);
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(labels.label(`Op${i}`));
    for (const odd of ['a'.repeat(10_000), 'x y', 'Ünïcode', '__proto__', 'constructor', '']) seen.add(labels.label(odd));
    expect(seen.size).toBeLessThanOrEqual(102);
  });
});
