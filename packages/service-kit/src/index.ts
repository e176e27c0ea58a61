/** @cartwatch/service-kit: what every CartWatch service is built on. See README.md. */

export * from './address-policy.js';
export { AppError, codeForStatus, type ErrorDetails } from './app-error.js';
export { exponentialBackoffMs } from './backoff.js';
export { type BaseServiceEnv, baseServiceEnv, commaList, envFlag, serviceEnv } from './base-env.js';
export { headlessChromiumArgs } from './chromium.js';
export {
  ConfigError,
  type ConfigProblem,
  configProblems,
  loadConfig,
  loadConfigOrExit,
  type ProductionRequirement,
  requireInProduction,
} from './config.js';
export {
  CSV_REJECTED,
  type CsvReadOptions,
  type CsvRow,
  limitedBody,
  readCsvRows,
  sizeInBytes,
} from './csv.js';
export { describeEnv, type EnvVarDoc } from './env-docs.js';
export { errorHandler, notFoundHandler } from './error.middleware.js';
export {
  type CheckOutcome,
  type HealthRoutesOptions,
  healthRoutes,
  livenessRoute,
  type ReadinessCheck,
} from './health.routes.js';
export {
  continueWhenBodyIsRead,
  createHttpServer,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HttpServerOptions,
  rawErrorResponse,
} from './http-server.js';
export {
  createInternalClient,
  type HttpMethod,
  type InternalCallOptions,
  type InternalClient,
  type InternalClientOptions,
  InternalHttpError,
  type InternalResult,
} from './internal-client.js';
export {
  LeasedJobRunner,
  type LeasedJobRunnerOptions,
  type LeasedJobSource,
  leaseOwner,
} from './leased-jobs.js';
export { createLogger, type LoggerOptions, redactedPaths } from './logger.js';
export { createManagementApp, type ManagementAppOptions } from './management-app.js';
export {
  createMetricsRegistry,
  httpDurationHistogram,
  httpMetrics,
  routeLabel,
  unmatchedRoute,
} from './metrics.js';
export * from './openapi.js';
export { PollingLoop } from './polling-loop.js';
export { annotateRequest, type RequestAnnotation, requestAnnotation } from './request-annotation.js';
export { isSaneRequestId, requestId, requestIdOf } from './request-id.middleware.js';
export { loggerFor, requestLogger } from './request-logger.middleware.js';
export {
  defineRoute,
  mountedRoutes,
  mountRoutes,
  openApiPath,
  type RouteDefinition,
  type RouteInput,
  type RouteMethod,
  type RouteSpec,
} from './routes.js';
export {
  createShutdown,
  type RunningServers,
  type RunServiceOptions,
  runService,
  type ShutdownOptions,
  type ShutdownStep,
} from './run-service.js';
export { securityHeaderList, securityHeaders } from './security-headers.js';
export { createServiceApp, type ServiceAppOptions } from './service-app.js';
export { hasValidServiceKey, serviceKeyGuard, serviceKeyVerifier } from './service-key.guard.js';
export { isSensitiveParameter, REDACTED, redactQuery, redactUrlQuery } from './url-redaction.js';
export {
  assertedIdentity,
  assertManagesRetailer,
  type CurrentUser,
  currentUser,
  findCurrentUser,
  managesRetailer,
  requireAdmin,
  requireStaff,
  requireUser,
  userContext,
} from './user-context.middleware.js';
export { allPages, userExportRoute } from './user-export.js';
export {
  parseBody,
  parseInput,
  parseParams,
  parseQuery,
  safeParseInput,
  toFieldIssues,
} from './validation.js';
