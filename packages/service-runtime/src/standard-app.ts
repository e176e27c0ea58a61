/** The HTTP app of an upstream service: the kit's middleware stack around the service's own routes. */
import type { ServiceName } from '@cartwatch/common-types';
import { type BaseServiceEnv, createServiceApp, type ServiceAppOptions } from '@cartwatch/service-kit';
import type { Express } from 'express';
import type { ServiceContext } from './service-definition.js';

/** What an app needs from the process; tests build it without NATS. */
export type AppContext<Config extends BaseServiceEnv, DB> = Pick<
  ServiceContext<Config, DB>,
  'config' | 'logger' | 'database' | 'registry' | 'readiness' | 'resources'
>;

export function createStandardApp<Config extends BaseServiceEnv, DB>(
  name: ServiceName,
  context: AppContext<Config, DB>,
  routes: (app: Express) => void,
  extra: Pick<ServiceAppOptions, 'edge' | 'beforeRequestHandling' | 'beforeBodyParser' | 'openapi'> = {},
): Express {
  return createServiceApp({
    service: name,
    logger: context.logger,
    serviceKey: context.config.SERVICE_KEY,
    registry: context.registry,
    bodyLimit: context.config.BODY_LIMIT,
    trustProxy: context.config.TRUST_PROXY,
    routes,
    ...extra,
  });
}
