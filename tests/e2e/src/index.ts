/** The end-to-end harness: the platform, a gateway client, an SSE reader and polling helpers. */
export { EventStream, type PushedEnvelope, type ServerSentEvent } from './event-stream.js';
export { type EventuallyOptions, eventually } from './eventually.js';
export { type ApiResponse, type CallOptions, GatewayClient, type Session } from './gateway-client.js';
export { gtinCheckDigit, randomGtin13 } from './gtin.js';
export { type AdminCredentials, Platform, type PlatformInfo, type PlatformOptions } from './platform.js';
export { sharedPlatform } from './shared-platform.js';
