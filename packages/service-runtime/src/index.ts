export * from './app-context.js';
export * from './app-resources.js';
export * from './service-definition.js';
export * from './service-env.js';
export * from './standard-app.js';
export * from './start-service.js';
