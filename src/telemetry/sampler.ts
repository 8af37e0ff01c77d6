import { SpanKind, trace, type Attributes, type Context, type Link } from '@opentelemetry/api';
import type { TracesSampler } from '../config';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';

/**
 * The sampler OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name (`parentbased_always_on` by
 * default; read by config.ts), as the SDK would build it but for remote parents, with one rule
 * first: a database statement with no parent span is not recorded. Those are the background jobs' polls (the outbox relay every 250 ms, the
 * sweeper), which would otherwise each be a trace of their own; a statement made by a request is
 * always under its operation's span. (Redis commands without a parent are left out by the
 * ioredis instrumentation itself.)
 */
export function tracesSampler(settings: { sampler: TracesSampler; samplerRatio: number }): Sampler {
  const inner = samplerOf(settings.sampler, settings.samplerRatio);
  return {
    shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
      if (kind === SpanKind.CLIENT && attributes['db.system.name'] !== undefined && !trace.getSpan(context))
        return { decision: SamplingDecision.NOT_RECORD };
      return inner.shouldSample(context, traceId, name, kind, attributes, links);
    },
    toString: () => `NoParentlessStatements{${inner.toString()}}`,
  };
}

/**
 * A `parentbased_*` sampler whose root also decides under a remote parent: the sampled flag of an
 * incoming `traceparent` is written by whoever sent the request (any client), so it may neither
 * switch a request's tracing off nor force it on. Local parents (the request's own spans) decide
 * for their children as usual, so a trace is kept or dropped whole.
 */
const parentBased = (root: Sampler): Sampler => new ParentBasedSampler({ root, remoteParentSampled: root, remoteParentNotSampled: root });

function samplerOf(name: TracesSampler, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return parentBased(new AlwaysOffSampler());
    case 'parentbased_traceidratio':
      return parentBased(new TraceIdRatioBasedSampler(ratio));
    case 'parentbased_always_on':
      return parentBased(new AlwaysOnSampler());
  }
}
