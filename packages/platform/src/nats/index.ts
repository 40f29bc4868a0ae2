// A light entry point for processes that only send requests (the ops CLI): NATS, the typed request
// and message metadata, without NestJS, the kernel or the service runtime.
export { childMeta, newRootMeta, nextMeta } from '../context/messageContext.js';
export { type ConnectNatsOptions, closeNats, connectNats, type NatsConnection } from './connection.js';
export { metaFromNatsHeaders, metaToNatsHeaders } from './headers.js';
export { mapRequestError, type NatsRequestOptions, natsRequest } from './request.js';
