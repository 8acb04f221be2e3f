/** keepfs: Arvados-compatible content-addressed collections. One entry point per layer. */
export * from './errors.js';
export * from './manifest/index.js';
export * from './blocks/index.js';
export * from './fs/index.js';
export { startKeepServer } from './server/keep/keep-server.js';
export type { KeepServerOptions, KeepServer } from './server/keep/keep-server.js';
