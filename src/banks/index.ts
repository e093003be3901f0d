/** Hash banks: banks, content and signals, the change feed, index loading, export, API keys. */
export * from './api-keys.js';
export * from './banks.js';
export * from './changes.js';
export * from './content.js';
export * from './errors.js';
export * from './export.js';
export * from './follower.js';
export * from './hashes.js';
export * from './signal-index.js';
