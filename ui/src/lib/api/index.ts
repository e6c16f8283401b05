export * from './address';
export * from './client';
export type * from './types';
export * from './commands';
