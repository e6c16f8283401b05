// CSV export through the real native save dialog (GTK's file chooser, opened by the shell through
// tauri-plugin-dialog), answered the way a person would: xdotool types a path into it and presses
// Enter, or Escape to cancel. No TELEMETRY_EXPORT_PATH here, unlike the window test.
// Run under dbus-run-session and xvfb-run (pnpm test:desktop does both).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { appHome, quitApp, startDriver, Window } from '../support/desktop.mjs';

const DIALOG_TITLE = 'Export events as CSV';

/** Waits for the save dialog's window and gives it the keyboard; returns its X window id. */
async function saveDialog() {
	const deadline = Date.now() + 15_000;
	for (;;) {
		try {
			const search = ['search', '--onlyvisible', '--name', `^${DIALOG_TITLE}$`];
			const [id] = execFileSync('xdotool', search, { encoding: 'utf8' }).trim().split('\n');
			execFileSync('xdotool', ['windowfocus', '--sync', id]);
			return id;
		} catch (error) {
			// xdotool search exits 1 until the window exists.
			if (Date.now() > deadline) throw new Error(`no "${DIALOG_TITLE}" window: ${error.message}`);
			await sleep(200);
		}
	}
}

function keys(...args) {
	execFileSync('xdotool', args);
}

test('the export asks where to save in the native dialog, and cancelling writes nothing', async (t) => {
	const home = appHome();
	delete home.env.TELEMETRY_EXPORT_PATH;
	const driver = await startDriver({ ...home.env, TELEMETRY_DEMO: '1', API_PORT: '0' });
	t.after(() => driver.stop());
	const window = await Window.open(driver);
	await window.find('[data-live-feed] [data-event-id]');
	await window.click('nav a[href^="/history"]');
	await window.type('input[name="type"]', 'hardware.gpu');
	await window.click('[data-panel="history"] button[type="submit"]');

	// Save: the dialog offers a name, the person types a full path instead and presses Enter.
	const target = join(home.dir, 'chosen by hand.csv');
	await window.click('[data-export]');
	await saveDialog();
	await window.find('[data-export-choosing]'); // the page says what it waits for
	keys('key', 'ctrl+a');
	keys('type', '--delay', '10', target);
	keys('key', 'Return');
	const rows = Number(await window.attribute('[data-export-done]', 'data-export-done'));
	const lines = readFileSync(target, 'utf8').trimEnd().split('\n');
	assert.equal(lines[0], 'ts,type,json_payload', 'the file the person chose holds the CSV');
	assert.equal(lines.length - 1, rows, 'with as many rows as the page reported');
	assert.ok(rows > 0, 'the simulated GPU produced readings');
	assert.ok(lines.slice(1).every((line) => line.includes(',hardware.gpu,')), 'only the filtered rows');
	const done = await window.execute('return document.querySelector("[data-export-done]").textContent');
	assert.match(done, new RegExp(`to ${target}`), 'the page says where the file went');

	// Cancel: Escape closes the dialog; nothing is written and the button is ready again.
	await window.click('[data-export]');
	await saveDialog();
	keys('key', 'Escape');
	const deadline = Date.now() + 10_000;
	while (!/csv export cancelled in the dialog/.test(home.logFile())) {
		if (Date.now() > deadline) assert.fail(`the cancel was not logged:\n${home.logFile().slice(-1500)}`);
		await sleep(100);
	}
	await sleep(300); // let the page take the command's answer
	const after = await window.execute(`return {
		button: document.querySelector('[data-export]').disabled,
		done: document.querySelector('[data-export-done]') !== null,
		failed: document.querySelector('[data-export-failed]')?.textContent ?? null
	}`);
	assert.deepEqual(after, { button: false, done: false, failed: null }, 'a cancel is neither a success nor a failure');
	assert.equal(existsSync(`${target}.part`), false, 'no partial file is left');

	await quitApp();
	await window.close();
});
