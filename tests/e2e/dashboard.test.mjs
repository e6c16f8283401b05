// The built dashboard in Debian's Chromium against the real engine: every view renders with the
// seeded data and no console errors, history pages past 500, the CSV holds exactly the filtered
// rows, the overlay is transparent, and panic asks before it sends anything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
	launchBrowser,
	openPage,
	postEvents,
	screenshot,
	seedEvents,
	startDashboardEngine
} from '../support/browser.mjs';

let engine;
let browser;
const seeded = seedEvents();

before(async () => {
	engine = await startDashboardEngine();
	await postEvents(engine.base, seeded);
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await engine?.stop();
});

/** Opens a view, waits until it shows seeded data, screenshots it, and returns the page. */
async function visit(path, ready) {
	const opened = await openPage(browser);
	await opened.page.goto(`${engine.base}${path}`);
	await opened.page.waitForSelector(ready, { timeout: 15_000 });
	return opened;
}

describe('every view', () => {
	const views = [
		{ name: 'overview', path: '/', ready: '[data-live-feed] [data-event-id]', also: '[data-gpu-card]' },
		{ name: 'latency', path: '/latency', ready: '[data-stage-table] [data-stage]', also: '[data-soak-table] tr' },
		{ name: 'gpu', path: '/gpu', ready: '[data-gpu-charts] [data-chart] canvas', also: '[data-gpu-card]' },
		{ name: 'controls', path: '/controls', ready: '[data-panel="panic"]', also: '[data-form="tts"]' },
		{ name: 'events', path: '/history', ready: '[data-virtual-list] [data-event-id]', also: '[data-log-line]' },
		{ name: 'credits', path: '/credits', ready: '[data-notice="lumi"]', also: '[data-pdf$="llama3_license.pdf"]' },
		{ name: 'overlay', path: '/overlay', ready: '[data-overlay-gpu]', also: '[data-overlay-latency]' }
	];

	for (const view of views) {
		it(`${view.name} renders with data and no console errors`, async () => {
			const { page, errors, context } = await visit(view.path, view.ready);

			await page.waitForSelector(view.also, { timeout: 10_000 });
			// Let the first polls and stream attempts settle, so their errors would be caught.
			await page.waitForTimeout(2500);
			await screenshot(page, view.name, { omitBackground: view.name === 'overlay' });

			assert.deepEqual(errors, [], `${view.name} must log no console errors`);
			await context.close();
		});
	}

	it('shows missing or failing upstream routes as unavailable, never as healthy', async () => {
		const { page, context } = await visit('/', '[data-panel="modules"]');

		await page.waitForTimeout(2000);
		const relay = await page.textContent('[data-relay]');
		const greenModules = await page.$$('[data-panel="modules"] [data-tone="ok"]');
		const relayConnected = relay.includes('connected') && !relay.includes('reconnecting');

		if (!relayConnected) {
			assert.equal(greenModules.length, 0, 'no module may look green while the relay is not connected');
			assert.ok(await page.$('[data-panel="modules"] [data-unavailable]'), 'the modules panel says why');
		}
		await context.close();
	});
});

describe('events and export', () => {
	it('pages the history past 500 events by scrolling', async () => {
		const { page, context } = await visit('/history', '[data-virtual-list] [data-event-id]');

		await page.waitForFunction(() => Number(document.querySelector('[data-loaded]')?.dataset.loaded) >= 500);
		await page.$eval('[data-panel="history"] [data-virtual-list]', (list) => (list.scrollTop = list.scrollHeight));
		await page.waitForFunction(() => Number(document.querySelector('[data-loaded]')?.dataset.loaded) > 500);
		const loaded = Number(await page.getAttribute('[data-loaded]', 'data-loaded'));

		assert.ok(loaded > 500, `a second page must load on scroll (loaded ${loaded})`);
		// Around the seam of the two pages, ids must keep falling: no repeats, no reordering.
		const seam = await page.$eval('[data-panel="history"] [data-virtual-list]', async (list, count) => {
			list.scrollTop = (list.scrollHeight / count) * 490;
			await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
			return [...list.querySelectorAll('[data-event-id]')].map((row) => Number(row.dataset.eventId));
		}, loaded);
		assert.ok(seam.length > 10, `rows around the page seam are rendered (${seam.length})`);
		assert.ok(seam.every((id, i) => i === 0 || id < seam[i - 1]), `ids fall across the seam: ${seam}`);
		await context.close();
	});

	it('downloads a CSV holding exactly the filtered rows', async () => {
		const { page, context } = await visit('/history', '[data-virtual-list] [data-event-id]');
		const expected = seeded.filter((e) => e.type === 'asr_final' && e.source === 'asr_worker').length;

		await page.fill('input[name="type"]', 'asr_final');
		await page.fill('input[name="source"]', 'asr_worker');
		await page.click('[data-panel="history"] button[type="submit"]');
		await page.waitForFunction((n) => Number(document.querySelector('[data-loaded]')?.dataset.loaded) === n, expected);
		const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export]')]);
		const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');

		assert.equal(csv[0], 'ts,type,json_payload', 'the export keeps its header');
		assert.equal(csv.length - 1, expected, 'one row per filtered event, no more, no less');
		assert.ok(csv.slice(1).every((line) => line.includes(',asr_final,')), 'only the filtered type');
		await context.close();
	});
});

describe('overlay and panic', () => {
	it('renders the overlay on a transparent background', async () => {
		const { page, context } = await visit('/overlay', '[data-view="overlay"]');

		const backgrounds = await page.evaluate(() => [
			getComputedStyle(document.documentElement).backgroundColor,
			getComputedStyle(document.body).backgroundColor
		]);

		assert.deepEqual(backgrounds, ['rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)'], 'OBS must see through the page');
		await context.close();
	});

	it('asks for confirmation before sending a panic', async () => {
		const { page, context } = await visit('/controls', '[data-panel="panic"]');
		const panics = [];
		page.on('request', (request) => {
			if (request.url().includes('/control/panic')) panics.push(request.method());
		});

		await page.click('[data-quick-panic]');
		await page.waitForSelector('[data-panic-dialog]');
		await screenshot(page, 'panic-confirmation');
		assert.equal(panics.length, 0, 'opening the dialog sends nothing');
		await page.click('[data-panic-dialog] >> text=Cancel');
		assert.equal(await page.$('[data-panic-dialog]'), null, 'cancel closes the dialog');
		assert.equal(panics.length, 0, 'cancelling sends nothing');

		await page.click('[data-panic-open]');
		await page.fill('input[name="panic-reason"]', 'e2e test');
		await page.click('[data-panic-confirm]');
		await page.waitForSelector('[data-panic-dialog] [data-command-result] :is(.text-ok, [data-command-error])');

		assert.deepEqual(panics, ['POST'], 'confirming sends exactly one panic');
		await context.close();
	});
});
