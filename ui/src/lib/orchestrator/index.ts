export * from './normalize';
export * from './types';
