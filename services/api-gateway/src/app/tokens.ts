/** DI tokens for the gateway's infrastructure values (classes are their own tokens). */
export const CONFIG = Symbol('GatewayConfig');
export const NATS = Symbol('NatsConnection');
export const REDIS = Symbol('Redis');
export const LOGGER = Symbol('Logger');
/** Every route spec, for the OpenAPI document and the docs page. */
export const ROUTE_SPECS = Symbol('RouteSpecs');
