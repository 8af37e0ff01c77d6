import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationTypeNode,
  type ValidationRule,
} from 'graphql';
import type { RedisClient } from './services/shared/redis-client';
import { responseCachePlugin, stringifyResult } from './http/response-cache';
import type { AuthState } from './auth/identity';
import type { Config } from './config';
import { RequestContext, type GraphQLContext } from './context';
import type { Orm } from './db/orm';
import type { ReadRouter } from './db/read-route';
import type { Logger } from './logger';
import { ErrorCode, isExpectedCode, serviceUnavailable } from './schema/errors';
import { inputHygiene } from './schema/input-hygiene';
import { jitGateway } from './schema/jit-gateway';
import { queryLimits, type OperationCheck, type OperationInput } from './schema/limits';
import { replicaRouting } from './schema/replica-reads';
import type { AccountService } from './services/account/account.service';
import type { OrderFeed } from './services/notifications/order-feed';
import { ImmutableValues, RedisKeyValueCache } from './services/shared/key-value-cache';
import { RequestRateLimit } from './services/shared/request-rate-limit';
import { observability, type PipelineTelemetry } from './telemetry/observability-plugin';
import { inOperationSpan } from './telemetry/operation-span';

/** Automatic persisted queries: texts kept an hour, none longer than this (README "Caching"). */
const PERSISTED_QUERY_TTL_SECONDS = 3600;
const PERSISTED_QUERY_MAX_CHARS = 10_000;

/** What a client sends, on any transport. */
export type OperationRequest = { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };

/** An operation that passed parsing, validation and every check, ready to run. */
export type AdmittedOperation = {
  kind: OperationTypeNode;
  document: DocumentNode;
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
};

type Deps = {
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  orm: Orm;
  redis: RedisClient | null;
  accounts: AccountService;
  feed: OrderFeed;
  /** README "Observability": operation durations and refusals (null: metrics off); operation spans (tracing on). */
  telemetry: PipelineTelemetry;
  /** Read replicas' routing (DATABASE_REPLICA_URLS); null without replicas: every read on the primary. */
  router: ReadRouter | null;
};

/**
 * The one way into the API, whatever carries the operation (HTTP, WebSocket). Every transport
 * asks it who is calling (`authenticate`), counts the request (`admit`), builds the context
 * (`context`) and runs the operation: queries and mutations through Apollo Server (`execute`,
 * or Apollo's own HTTP handler), so every Apollo plugin applies to them on every transport;
 * subscriptions, which Apollo does not run, pass the same validation rules and operation checks
 * in `prepare`. Errors leave through `formatError` (unexpected ones logged and masked).
 * A new check goes in `checks` or `validationRules` and so applies to every transport at once.
 */
export class GraphQLPipeline {
  readonly apollo: ApolloServer<GraphQLContext>;
  /** graphql-js's rules, plus no introspection unless GRAPHQL_INTROSPECTION allows it. */
  readonly validationRules: readonly ValidationRule[];
  /** NUL characters and too-deep variables refused, then depth, alias and cost limits: run on every operation after validation. */
  readonly checks: readonly OperationCheck[];
  private readonly rateLimit: RequestRateLimit;

  get schema(): GraphQLSchema {
    return this.deps.schema;
  }

  constructor(
    private readonly deps: Deps,
    /** Transport-specific plugins (the HTTP server's drain, the landing page). */
    plugins: ApolloServerPlugin<GraphQLContext>[],
  ) {
    const { config, schema, logger, redis } = deps;
    this.rateLimit = new RequestRateLimit({ ...config.rateLimit, keyPrefix: config.redisKeyPrefix }, redis, logger);
    const extraRules = config.graphql.introspection ? [] : [NoSchemaIntrospectionCustomRule];
    this.validationRules = [...specifiedRules, ...extraRules];
    this.checks = [inputHygiene, queryLimits(schema, config.graphql)];
    // Redis when configured (every instance sees a text once registered), else this process.
    const shared = redis ? new RedisKeyValueCache(redis, config.redisKeyPrefix, logger) : null;
    const persistedQueryTexts = new ImmutableValues(shared, { maxChars: PERSISTED_QUERY_MAX_CHARS, localChars: 8 * 2 ** 20 });
    this.apollo = new ApolloServer<GraphQLContext>({
      // Queries and mutations run compiled by graphql-jit unless GRAPHQL_JIT=false (see BENCHMARKS.md).
      ...(config.graphqlJit ? { gateway: jitGateway(schema) } : { schema }),
      csrfPrevention: true,
      // Apollo's automatic persisted queries over POST and GET (README "Caching").
      persistedQueries: { cache: persistedQueryTexts, ttl: PERSISTED_QUERY_TTL_SECONDS },
      // main.ts owns SIGTERM/SIGINT handling (drain, then close MySQL and Redis).
      stopOnTerminationSignals: false,
      // Introspection is refused by `validationRules` (the same rule as on the WebSocket), not by Apollo's own flag.
      introspection: true,
      validationRules: extraRules,
      includeStacktraceInErrorResponses: false,
      // Answers from the response cache go out as the text made when they were kept.
      stringifyResult,
      formatError: (formatted, error) => maskUnexpected(codedRefusal(formatted, error)),
      plugins: [
        ...plugins,
        operationChecks(this.checks),
        responseCachePlugin({ schema, ttlSeconds: config.graphql.responseCacheTtlSeconds, shared }),
        ...(deps.router ? [replicaRouting(deps.router)] : []),
        requestLogging(logger),
        ...(deps.telemetry.metrics || deps.telemetry.tracing ? [observability(deps.telemetry)] : []),
      ],
    });
  }

  /** Who is calling, from an `Authorization` value. A store that cannot answer is SERVICE_UNAVAILABLE. */
  async authenticate(authorization: unknown): Promise<AuthState> {
    try {
      // Plain SQL only (and nothing at all without a header): the root EntityManager, no fork per request.
      return await this.deps.accounts.authenticate(this.deps.orm.em, authorization);
    } catch (err) {
      this.deps.logger.error({ err }, 'could not authenticate the request');
      throw serviceUnavailable();
    }
  }

  /** Counts one operation against the client IP's and the account's budgets; TOO_MANY_REQUESTS past either. */
  async admit(ip: string, auth: AuthState): Promise<void> {
    await this.rateLimit.consume(ip, auth);
  }

  /** The per-operation context: its own EntityManager fork (made when a resolver first asks), loaders and logger. */
  context(input: { auth: AuthState; ip: string; requestId: string }): GraphQLContext {
    return new RequestContext({ ...input, orm: this.deps.orm, logger: this.deps.logger, feed: this.deps.feed });
  }

  /**
   * Parses, validates and checks an operation sent over a transport that is not Apollo's own
   * (the WebSocket), exactly as Apollo does for HTTP: the same rules, the same checks, the same
   * codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT, QUERY_TOO_COMPLEX).
   */
  prepare(request: OperationRequest): AdmittedOperation | GraphQLError[] {
    const { query, variables, operationName, extensions } = request;
    // Persisted queries are an HTTP matter (a cacheable GET); over the socket the text is sent once anyway.
    if (extensions && typeof extensions === 'object' && 'persistedQuery' in extensions)
      return [protocolError('PERSISTED_QUERY_NOT_SUPPORTED', 'Persisted queries are not supported.')];
    if (typeof query !== 'string' || !query) return [protocolError('BAD_REQUEST', 'The operation must have a non-empty `query` string.')];
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables)))
      return [protocolError('BAD_REQUEST', '`variables` must be an object.')];
    if (operationName != null && typeof operationName !== 'string')
      return [protocolError('BAD_REQUEST', '`operationName` must be a string.')];
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      return [protocolError('GRAPHQL_PARSE_FAILED', err instanceof GraphQLError ? err.message : 'Syntax error')];
    }
    const invalid = validate(this.deps.schema, document, this.validationRules);
    if (invalid.length) return invalid.map((e) => protocolError('GRAPHQL_VALIDATION_FAILED', e.message, e));
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return [protocolError('OPERATION_RESOLUTION_FAILURE', 'Unable to identify the operation to run.')];
    const admitted: AdmittedOperation = {
      kind: operation.operation,
      document,
      query,
      variables: (variables ?? {}) as Record<string, unknown>,
      operationName: operationName ?? undefined,
    };
    try {
      for (const check of this.checks) check(admitted);
    } catch (err) {
      if (err instanceof GraphQLError) return [err];
      throw err;
    }
    return admitted;
  }

  /** Runs a query or mutation through Apollo Server: its plugins, validation, execution and error masking. */
  async execute(operation: AdmittedOperation, context: GraphQLContext): Promise<FormattedExecutionResult> {
    const response = await this.apollo.executeOperation(
      { query: operation.query, variables: operation.variables, operationName: operation.operationName },
      { contextValue: context },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not used here');
    return response.body.singleResult;
  }

  /**
   * Runs an operation of a transport that is not Apollo's HTTP handler (the WebSocket) in its
   * operation span when tracing is on; HTTP requests get theirs from `httpOperationSpan`.
   */
  traced<T>(operation: Pick<AdmittedOperation, 'kind' | 'operationName'>, work: () => Promise<T> | T): Promise<T> | T {
    return this.deps.telemetry.tracing ? inOperationSpan(operation, work) : work();
  }

  /** Counts a refusal answered outside Apollo (a WebSocket upgrade or operation refused), by its code. */
  refused(code: unknown): void {
    this.deps.telemetry.metrics?.refusal(code);
  }

  /** Shapes an error for the client: known codes as they are, anything else logged and masked. */
  formatError(error: GraphQLError, log: Logger = this.deps.logger): GraphQLFormattedError {
    const formatted = error.toJSON();
    this.refused(formatted.extensions?.code);
    if (!isExpectedCode(formatted.extensions?.code)) log.error({ err: unwrapResolverError(error) }, 'unexpected error');
    return maskUnexpected(formatted);
  }
}

const protocolError = (code: string, message: string, cause?: GraphQLError) =>
  new GraphQLError(message, { nodes: cause?.nodes, extensions: { code } });

/** Known errors pass as they are; anything else becomes a bare INTERNAL_SERVER_ERROR (logged where it is caught). */
function maskUnexpected(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (isExpectedCode(formatted.extensions?.code)) return formatted;
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** The 4xx status of an error Apollo raised without a code (a persisted query's hash mismatch, an unknown APQ version). */
function refusalStatus(error: unknown): number | undefined {
  const status = (error as GraphQLError | undefined)?.extensions?.http as { status?: unknown } | undefined;
  const code = (error as GraphQLError | undefined)?.extensions?.code;
  return code === undefined && typeof status?.status === 'number' && status.status >= 400 && status.status < 500
    ? status.status
    : undefined;
}

/** Apollo's code-less refusals of a malformed request are the client's doing: BAD_REQUEST, not a masked INTERNAL_SERVER_ERROR. */
function codedRefusal(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (formatted.extensions?.code !== undefined && formatted.extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  if (!refusalStatus(unwrapResolverError(error))) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } };
}

/**
 * Apollo's side of `GraphQLPipeline.checks`: runs them once the operation is parsed and
 * validated. Their refusals are the client's doing, so HTTP answers them 400, never 500.
 */
function operationChecks(checks: readonly OperationCheck[]): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, queryHash }) {
          const operation: OperationInput = {
            document,
            query: request.query ?? '',
            queryHash,
            variables: request.variables ?? {},
            operationName: request.operationName,
          };
          try {
            for (const check of checks) check(operation);
          } catch (err) {
            if (!(err instanceof GraphQLError)) throw err;
            throw new GraphQLError(err.message, {
              nodes: err.nodes,
              extensions: { ...err.extensions, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** Logs each operation (debug; variables at trace, with secrets redacted) and every unexpected error with its request id. */
function requestLogging(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      // The request's child logger is made only when something is logged (pino children cost per request).
      const log = () => contextValue?.logger ?? logger;
      if (logger.isLevelEnabled('trace'))
        log().trace({ operation: request.operationName, variables: request.variables }, 'graphql request');
      const onErrors: GraphQLRequestListener<GraphQLContext> = {
        async didEncounterErrors({ contextValue, errors, request }) {
          for (const error of errors) {
            if (isExpectedCode(error.extensions?.code) || refusalStatus(error)) continue;
            (contextValue?.logger ?? logger).error(
              { err: unwrapResolverError(error), operation: request.operationName },
              'unexpected error',
            );
          }
        },
      };
      if (!logger.isLevelEnabled('debug')) return onErrors;
      return {
        ...onErrors,
        async willSendResponse({ response, errors }) {
          const ms = Math.round((performance.now() - started) * 10) / 10;
          const codes = errors?.map((e) => e.extensions?.code);
          log().debug({ operation: request.operationName, ms, status: response.http.status, codes }, 'graphql response');
        },
      };
    },
  };
}
