export { default as Badge, badgeVariants, type Tone } from './badge.svelte';
export { default as Dot } from './dot.svelte';
