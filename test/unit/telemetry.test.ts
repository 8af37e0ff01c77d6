import { ConfigError, loadConfig } from '../../src/config';
import { OperationNameLabels } from '../../src/telemetry/metrics';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { maskSql, outgoingUrlAttributes, pathTemplate, redactedQuery } from '../../src/telemetry/redaction';
import { tracesSampler } from '../../src/telemetry/sampler';
import { maskErrorText } from '../../src/telemetry/span-hygiene';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('telemetry settings', () => {
  it('has tracing and metrics off by default', () => {
    const { telemetry } = loadConfig({});
    expect(telemetry).toEqual({
      tracing: false,
      traces: {
        defaultServiceName: 'marketplace-api',
        sampler: 'parentbased_always_on',
        samplerRatio: 1,
        attributeValueLengthLimit: 2048,
        propagatorsFromEnv: false,
      },
      metrics: { listener: null, token: null, operationNames: null, maxOperationNames: 100 },
    });
  });

  it('turns tracing on with either OTLP endpoint, unless OTEL_SDK_DISABLED', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).telemetry.tracing).toBe(true);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).telemetry.tracing).toBe(true);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).telemetry.tracing).toBe(false);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be a URL starting with http:// or https://',
    ]);
  });

  it('takes the sampler and its ratio, names the service unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES does, and names what is wrong', () => {
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.05' }).telemetry.traces).toMatchObject({
      sampler: 'traceidratio',
      samplerRatio: 0.05,
    });
    expect(loadConfig({ OTEL_SERVICE_NAME: 'shop' }).telemetry.traces.defaultServiceName).toBeNull();
    expect(
      loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=shop' }).telemetry.traces.defaultServiceName,
    ).toBeNull();
    expect(loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' }).telemetry.traces.defaultServiceName).toBe(
      'marketplace-api',
    );
    expect(problemsOf({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2' })).toEqual([
      expect.stringMatching(/^OTEL_TRACES_SAMPLER /),
      'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1',
    ]);
  });

  it('takes the metrics listener (loopback unless told) and token, and names what is wrong', () => {
    const { metrics } = loadConfig({
      METRICS_PORT: '9464',
      METRICS_TOKEN: 'a-long-enough-metrics-token-0123456789',
      METRICS_OPERATION_NAMES: 'Listing, Product,',
    }).telemetry;
    expect(metrics).toMatchObject({
      listener: { port: 9464, host: '127.0.0.1' },
      token: 'a-long-enough-metrics-token-0123456789',
      operationNames: ['Listing', 'Product'],
    });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).telemetry.metrics.listener).toEqual({
      port: 9464,
      host: '10.0.0.5',
    });
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN must be at least 32 characters']);
    expect(problemsOf({ METRICS_PORT: '4000', PORT: '4000' })).toEqual(['METRICS_PORT must differ from PORT (or be unset)']);
    expect(problemsOf({ METRICS_PORT: 'ninety' })).toEqual(['METRICS_PORT must be a whole number from 0 to 65535']);
  });

  it('refuses a placeholder metrics token in production', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'mysql://db/mp', AUTH_TOKEN_SECRET: 'unit-token-secret-9b41e6d0c8a27f53' };
    expect(problemsOf({ ...production, METRICS_TOKEN: 'changeme-changeme-changeme-changeme' })[0]).toMatch(/^METRICS_TOKEN /);
    expect(problemsOf({ ...production, METRICS_TOKEN: 'q7Vd2mXkRp9wLc4zq7Vd2mXkRp9wLc4zA1' })).toEqual([]);
  });
});

describe('what spans may carry', () => {
  it('masks every literal a statement carries, and leaves placeholders and names', () => {
    expect(maskSql("insert into customer (email, password_hash, n) values ('a@b.co', '$argon2id$v=19$x', 42)")).toBe(
      'insert into customer (email, password_hash, n) values (?, ?, ?)',
    );
    expect(maskSql("select * from t1 where id in (?, ?) and price > 1.5e3 and k = x'0aff' and h = 0xDEADBEEF")).toBe(
      'select * from t1 where id in (?, ?) and price > ? and k = ? and h = ?',
    );
    expect(maskSql(`update p set name = 'it''s \\'quoted\\'' where "col" = "v"`)).toBe('update p set name = ? where ? = ?');
  });

  it("keeps Toss's path templates and never a payment key, an order id or a query", () => {
    expect(pathTemplate('/v1/payments/confirm')).toBe('/v1/payments/confirm');
    expect(pathTemplate('/v1/payments/tgen_20240101abcdef')).toBe('/v1/payments/{paymentKey}');
    expect(pathTemplate('/v1/payments/cancelpaymentkey/cancel')).toBe('/v1/payments/{paymentKey}/cancel');
    expect(pathTemplate('/v1/payments/orders/order-7f3a?x=1')).toBe('/v1/payments/orders/{orderId}');
    expect(pathTemplate('/bucket/products/9f2c.png')).toBe('/{id}/{id}/{id}');
    expect(outgoingUrlAttributes('https://api.tosspayments.com/', '/v1/payments/abc?secret=1')).toEqual({
      'url.full': 'https://api.tosspayments.com/v1/payments/{paymentKey}',
      'url.path': '/v1/payments/{paymentKey}',
      'url.query': '',
    });
  });

  it("keeps an incoming query string's parameter names, never their values", () => {
    expect(redactedQuery('/graphql?query=%7Bme%7D&variables=%7B%22password%22%3A1%7D')).toBe('query=REDACTED&variables=REDACTED');
    expect(redactedQuery('/graphql')).toBeUndefined();
  });
});

describe('operation name labels', () => {
  it('are the first names seen up to the bound, then `other`; odd names are `other` at once', () => {
    const labels = new OperationNameLabels(null, 2);
    expect(['A', 'B', 'C', 'A', undefined, 'x'.repeat(65), 'bad-name'].map((n) => labels.label(n))).toEqual([
      'A',
      'B',
      'other',
      'A',
      'anonymous',
      'other',
      'other',
    ]);
  });

  it('are only the listed names when METRICS_OPERATION_NAMES is set', () => {
    const labels = new OperationNameLabels(new Set(['Listing']), 100);
    expect(['Listing', 'Other', 'Anything'].map((n) => labels.label(n))).toEqual(['Listing', 'other', 'other']);
  });
});

describe('the traces sampler', () => {
  const traceId = 'ab'.repeat(16);
  const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'cd'.repeat(8), traceFlags: 1 });
  const statement = { 'db.system.name': 'mysql', 'db.query.text': 'select 1' };

  it('drops database statements without a parent (background polls) and samples the rest as OTEL_TRACES_SAMPLER says', () => {
    const sampler = tracesSampler(loadConfig({}).telemetry.traces);
    expect(sampler.shouldSample(ROOT_CONTEXT, traceId, 'select', SpanKind.CLIENT, statement, []).decision).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(sampler.shouldSample(parent, traceId, 'select', SpanKind.CLIENT, statement, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(sampler.shouldSample(ROOT_CONTEXT, traceId, 'POST', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const off = tracesSampler(loadConfig({ OTEL_TRACES_SAMPLER: 'always_off' }).telemetry.traces);
    expect(off.shouldSample(ROOT_CONTEXT, traceId, 'POST', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
    const none = tracesSampler(
      loadConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).telemetry.traces,
    );
    expect(none.shouldSample(ROOT_CONTEXT, traceId, 'POST', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(none.shouldSample(parent, traceId, 'query', SpanKind.INTERNAL, {}, []).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it("ignores a remote parent's sampled flag (any client writes traceparent): the configured sampler decides", () => {
    const remote = (flags: number) =>
      trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'cd'.repeat(8), traceFlags: flags, isRemote: true });
    const on = tracesSampler(loadConfig({}).telemetry.traces);
    expect(on.shouldSample(remote(0), traceId, 'POST', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const off = tracesSampler(loadConfig({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }).telemetry.traces);
    expect(off.shouldSample(remote(1), traceId, 'POST', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('the OTEL_* settings checked at boot', () => {
  const TRACING = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

  it('takes every documented value, and reads the attribute bound and whether OTEL_PROPAGATORS decides', () => {
    const config = loadConfig({
      ...TRACING,
      OTEL_TRACES_EXPORTER: 'otlp,console',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=shop',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_BSP_SCHEDULE_DELAY: '0',
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '256',
      OTEL_PROPAGATORS: 'tracecontext,b3',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.namespace=shop',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '512',
    });
    expect(config.telemetry.traces).toMatchObject({ attributeValueLengthLimit: 512, propagatorsFromEnv: true });
    expect(loadConfig({ ...TRACING, OTEL_TRACES_EXPORTER: 'none', OTEL_PROPAGATORS: 'none' }).telemetry.tracing).toBe(true);
  });

  it('refuses baggage propagation, a batch larger than the queue, and never echoes a header value', () => {
    expect(problemsOf({ ...TRACING, OTEL_PROPAGATORS: 'tracecontext,baggage' })).toEqual([
      expect.stringMatching(/^OTEL_PROPAGATORS .*baggage/),
    ]);
    expect(problemsOf({ ...TRACING, OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' })).toEqual([
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE',
    ]);
    const problems = problemsOf({ ...TRACING, OTEL_EXPORTER_OTLP_HEADERS: 'ok=1,secret-token-value' });
    expect(problems).toEqual([expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS entry 2 /)]);
    expect(problems[0]).not.toContain('secret-token-value');
  });

  it('leaves them alone while tracing is off (the SDK is never loaded)', () => {
    expect(problemsOf({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/jsn' })).toEqual([]);
  });
});

describe('error texts on instrumentation spans', () => {
  it("keep their words, not the values they quote (a duplicate key's payment key or e-mail)", () => {
    expect(maskErrorText("Duplicate entry 'tgen_20261202abc' for key 'payment.payment_key_unique'")).toBe('Duplicate entry ? for key ?');
    expect(maskErrorText("Duplicate entry 'a@b.co' for key 'account_email_unique'")).not.toContain('a@b.co');
  });
});
