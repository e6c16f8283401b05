// Commands that round-trip through the relay to the demo orchestrator (`--demo` /
// TELEMETRY_DEMO=1): mute and a preset change must come back in the orchestrator's state shown by
// the page. The engine runs with the demo upstreams (TELEMETRY_DEMO=1).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, openPage, screenshot, startDashboardEngine } from '../support/browser.mjs';

describe('controls through the demo relay', () => {
	let engine;
	let browser;

	before(async () => {
		engine = await startDashboardEngine();
		browser = await launchBrowser();
	});

	after(async () => {
		await browser?.close();
		await engine?.stop();
	});

	async function controls() {
		const opened = await openPage(browser);
		await opened.page.goto(`${engine.base}/controls`);
		await opened.page.waitForSelector('[data-panel="presets"] [data-preset]', { timeout: 20_000 });
		return opened;
	}

	it('mute round-trips through the relay', async () => {
		const { page, errors, context } = await controls();
		const before = await page.textContent('[data-mute-state]');

		await page.click('[data-mute]');
		await page.waitForFunction((text) => document.querySelector('[data-mute-state]')?.textContent !== text, before);
		const after = await page.textContent('[data-mute-state]');

		assert.notEqual(after, before, 'the orchestrator reports the new mute state back');
		assert.match(await page.textContent('[data-panel="panic"] [data-command-result]'), /ok/, 'the command shows its result');
		assert.deepEqual(errors, [], 'no console errors');
		await context.close();
	});

	it('a preset round-trips through the relay', async () => {
		const { page, errors, context } = await controls();
		const current = await page.textContent('[data-active-preset]');
		const names = await page.$$eval('[data-preset]', (buttons) => buttons.map((b) => b.dataset.preset));
		const target = names.find((name) => name !== current);
		assert.ok(target, 'the demo offers more than one preset');

		await page.click(`[data-preset="${target}"]`);
		await page.waitForFunction((name) => document.querySelector('[data-active-preset]')?.textContent === name, target);
		await screenshot(page, 'controls-demo');

		assert.deepEqual(errors, [], 'no console errors');
		await context.close();
	});
});
