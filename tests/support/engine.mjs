// Starts the real `kitsu-telemetry serve` binary for black-box tests and stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const ENGINE_BIN =
	process.env.KITSU_ENGINE_BIN ?? join(ROOT, 'src-tauri/target/debug/kitsu-telemetry');

/** Starts the engine on a free loopback port over a fresh database; resolves once it listens. */
export async function startEngine({ env = {}, args = [] } = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'kitsu-smoke-'));
	const child = spawn(ENGINE_BIN, ['serve', ...args], {
		cwd: dir,
		env: {
			PATH: process.env.PATH,
			RUST_LOG: 'info',
			API_PORT: '0',
			TELEMETRY_DB_PATH: join(dir, 'telemetry.db'),
			// A real GPU on the test machine would add hardware.gpu events; tests opt in.
			TELEMETRY_GPU_SOURCE: 'off',
			...env
		},
		stdio: ['ignore', 'ignore', 'pipe']
	});
	let log = '';
	const base = await new Promise((resolveBase, reject) => {
		const timer = setTimeout(() => reject(new Error(`engine did not start:\n${log}`)), 20_000);
		child.stderr.on('data', (chunk) => {
			log += chunk;
			const match = /listening on (http:\/\/[\d.:]+)/.exec(log);
			if (match) {
				clearTimeout(timer);
				resolveBase(match[1]);
			}
		});
		child.on('exit', (code) => reject(new Error(`engine exited with ${code}:\n${log}`)));
	});
	return {
		base,
		dir,
		log: () => log,
		async stop() {
			const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
			child.kill('SIGTERM');
			const status = await exited;
			rmSync(dir, { recursive: true, force: true });
			return status;
		}
	};
}
