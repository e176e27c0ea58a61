/** `@cartwatch/testing`'s Postgres/NATS/Redis setup, re-exported for bench/load (outside this package's dependencies). */
export { default as setupTestInfrastructure } from '@cartwatch/testing/global-setup';
