export { default as Unavailable } from './unavailable.svelte';
