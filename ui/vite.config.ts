import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	// The Credits view bundles the notices from ../licenses at build time.
	server: { fs: { allow: ['../licenses'] } },
	test: { include: ['src/**/*.test.ts'], environment: 'node' }
});
