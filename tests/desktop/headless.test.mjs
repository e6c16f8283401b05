// Without a display the desktop binary runs the engine headless and logs where the dashboard is,
// which is what `pnpm start` does over SSH or in a container.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { APP_BIN, appHome } from '../support/desktop.mjs';

test('with no display the app serves headless and logs the dashboard URL', async () => {
	const home = appHome();
	const env = { ...process.env, ...home.env, API_PORT: '0', TELEMETRY_GPU_SOURCE: 'off', RUST_LOG: 'info' };
	delete env.DISPLAY;
	delete env.WAYLAND_DISPLAY;
	const child = spawn(APP_BIN, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	const url = await new Promise((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no headless start after 20 s:\n${log}`)), 20_000);
		// The log goes to stdout; a panic would go to stderr.
		child.stderr.on('data', (chunk) => (log += chunk));
		child.stdout.on('data', (chunk) => {
			log += chunk;
			const line = /running headless.* url=(http:\/\/[\d.:]+\/)/.exec(log);
			if (line) {
				clearTimeout(timer);
				done(line[1]);
			}
		});
		child.on('exit', (code) => fail(new Error(`exited with ${code}:\n${log}`)));
	});
	const health = await (await fetch(`${url}health`)).json();
	assert.equal(health.status, 'ok', 'the headless engine answers at the logged URL');
	const exited = new Promise((done) => child.once('exit', (code) => done(code)));
	child.kill('SIGTERM');
	assert.equal(await exited, 0, 'SIGTERM stops it cleanly');
	assert.match(log, /every acknowledged event is committed/, 'after committing everything');
});
