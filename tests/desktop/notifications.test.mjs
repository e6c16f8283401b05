// Desktop notifications leave the app the way a notification daemon receives them: as Notify
// calls on the session bus (org.freedesktop.Notifications), watched here with dbus-monitor. The
// test session has no daemon to show them; what the app sends is what any desktop would get.
// Run under dbus-run-session and xvfb-run (pnpm test:desktop does both).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_BIN, appHome } from '../support/desktop.mjs';

/** Watches the session bus for Notify calls; `calls()` parses what it saw so far. */
async function watchNotifications() {
	const monitor = spawn(
		'dbus-monitor',
		['--session', "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
		{ stdio: ['ignore', 'pipe', 'inherit'] }
	);
	let output = '';
	monitor.stdout.on('data', (chunk) => (output += chunk));
	// dbus-monitor first reports taking its own name on the bus: from then on it sees the calls.
	for (let i = 0; i < 50 && !output.includes('NameAcquired'); i++) await sleep(100);
	return {
		/** Each Notify call's summary and body. Its top-level strings are the app name, the icon,
		 * the summary and the body; the strings inside its arrays and dicts are indented deeper. */
		calls() {
			return output
				.split(/^method call /m)
				.slice(1)
				.map((call) => [...call.matchAll(/^ {3}string "(.*)"$/gm)].map((m) => m[1]))
				.map(([, , summary, body]) => ({ summary, body }));
		},
		stop: () => monitor.kill()
	};
}

test('a taken API port and a hot GPU become desktop notifications', async (t) => {
	const notifications = await watchNotifications();
	t.after(() => notifications.stop());
	const holder = createServer().listen(0, '127.0.0.1');
	await new Promise((done) => holder.once('listening', done));
	t.after(() => holder.close());
	const takenPort = holder.address().port;
	const home = appHome();

	// The demo's simulated GPU never runs below 45 °C: a 40 °C gate is breached at once and never
	// re-armed (that takes 5 °C under the gate).
	const app = spawn(APP_BIN, [], {
		env: {
			...process.env,
			...home.env,
			TELEMETRY_DEMO: '1',
			API_PORT: String(takenPort),
			TELEMETRY_NOTIFY_GPU_TEMP_C: '40',
			NO_AT_BRIDGE: '1'
		},
		stdio: 'ignore'
	});
	const exited = new Promise((done) => app.once('exit', (code) => done(code)));
	t.after(() => app.kill('SIGKILL'));
	const deadline = Date.now() + 20_000;
	const find = (summary) => notifications.calls().find((call) => summary.test(call.summary));
	while (!(find(/^API port taken$/) && find(/^GPU 0 is at \d+ °C$/)) && Date.now() < deadline) {
		await sleep(200);
	}

	const port = find(/^API port taken$/);
	assert.ok(port, `no notification of the taken port: ${JSON.stringify(notifications.calls())}`);
	assert.match(port.body, new RegExp(`^Port ${takenPort} is taken by another program`), 'it names the port');
	const hot = find(/^GPU 0 is at \d+ °C$/);
	assert.ok(hot, `no notification of the hot GPU: ${JSON.stringify(notifications.calls())}`);
	assert.match(hot.body, /reached \d+ °C; the gate is 40 °C\.$/, 'it names the reading and the gate');
	assert.match(home.logFile(), /gate breached/, 'the breach is in the log too');
	await sleep(6_000); // one more poll of the gates (every 5 s): a breach is notified once
	assert.equal(
		notifications.calls().filter((call) => call.summary.startsWith('GPU 0 is at')).length,
		1,
		'a GPU that stays hot is notified once, not at every poll'
	);

	app.kill('SIGTERM');
	assert.equal(await exited, 0, 'the app stops cleanly');
});
