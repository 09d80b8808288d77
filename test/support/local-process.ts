export * from '../../lib/local/local-process.ts';
