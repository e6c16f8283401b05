export { default as Button, buttonVariants, type ButtonVariant } from './button.svelte';
