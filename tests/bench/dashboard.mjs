// Dashboard benchmark (not a test): time from navigation to the first complete Overview paint,
// whether the page keeps up with 200 events/s on the live feed for 60 s (frames dropped, JS heap
// growth), and the gzipped size of the built JS. Prints figures; asserts nothing.
// Run: pnpm bench:ui   (BENCH_SECONDS and BENCH_RATE override 60 s and 200 events/s)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser, openPage, postEvents, seedEvents, UI_DIR } from '../support/browser.mjs';
import { startEngine } from '../support/engine.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 200);
process.env.KITSU_ENGINE_BIN ??= join(ROOT, 'src-tauri/target/release/kitsu-telemetry');

function bundleSize(dir) {
	let raw = 0;
	let gzipped = 0;
	const walk = (folder) => {
		for (const name of readdirSync(folder)) {
			const path = join(folder, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (name.endsWith('.js')) {
				const bytes = readFileSync(path);
				raw += bytes.length;
				gzipped += gzipSync(bytes, { level: 9 }).length;
			}
		}
	};
	walk(join(dir, '_app'));
	return { raw, gzipped };
}

async function firstOverviewPaint(browser, base) {
	const { page, context } = await openPage(browser);
	await page.goto(`${base}/`);
	await page.waitForSelector('[data-live-feed] [data-event-id]');
	await page.waitForSelector('[data-gpu-card] canvas');
	await page.waitForSelector('[data-panel="health"] [data-feed-received]');
	const figures = await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done({
		complete_ms: performance.now(),
		fcp_ms: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null
	}))));
	await context.close();
	return figures;
}

function liveEvent(i) {
	const stage = ['asr', 'llm', 'tts', 'e2e'][i % 4];
	return { type: 'pipeline.metric', source: `${stage}_worker`, payload: { stage, latency_ms: 200 + (i % 900), mode: 'stream' } };
}

async function keepUp(browser, base) {
	const { page, context } = await openPage(browser);
	const cdp = await context.newCDPSession(page);
	await cdp.send('Performance.enable');
	await page.goto(`${base}/`);
	await page.waitForSelector('[data-live-feed] [data-event-id]');
	const heap = async () => {
		await cdp.send('HeapProfiler.collectGarbage');
		const { metrics } = await cdp.send('Performance.getMetrics');
		return metrics.find((m) => m.name === 'JSHeapUsedSize').value;
	};
	const heapBefore = await heap();
	await page.evaluate(() => {
		const stats = (window.__bench = { frames: 0, dropped: 0, longest: 0 });
		let last = performance.now();
		const tick = (now) => {
			const gap = now - last;
			last = now;
			stats.frames++;
			stats.longest = Math.max(stats.longest, gap);
			if (gap > 1000 / 60 * 1.5) stats.dropped += Math.round(gap / (1000 / 60)) - 1;
			requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	});
	const receivedBefore = Number(await page.getAttribute('[data-feed-received]', 'data-feed-received'));
	// Every 100 ms, post whatever keeps the total on RATE per second since the start.
	let sent = 0;
	const started = Date.now();
	while (Date.now() - started < SECONDS * 1000) {
		const tickStart = Date.now();
		const due = Math.round((RATE * (tickStart - started)) / 1000) + Math.round(RATE / 10) - sent;
		if (due > 0) await postEvents(base, Array.from({ length: due }, (_, k) => liveEvent(sent + k)));
		sent += Math.max(0, due);
		await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickStart))));
	}
	const seconds = (Date.now() - started) / 1000;
	// Give the page one more poll or flush to show the last events.
	await page.waitForTimeout(3000);
	const stats = await page.evaluate(() => window.__bench);
	const received = Number(await page.getAttribute('[data-feed-received]', 'data-feed-received')) - receivedBefore;
	const mode = (await page.textContent('[data-feed-received]')).split(',')[0];
	const heapAfter = await heap();
	await context.close();
	return { sent, received, mode, ...stats, heapBefore, heapAfter, seconds };
}

const engine = await startEngine({ env: { TELEMETRY_UI_DIR: UI_DIR, TELEMETRY_DEMO: '1' } });
const browser = await launchBrowser();
try {
	await postEvents(engine.base, seedEvents());
	const paints = [];
	for (let i = 0; i < 5; i++) paints.push(await firstOverviewPaint(browser, engine.base));
	const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const live = await keepUp(browser, engine.base);
	const bundle = bundleSize(UI_DIR);
	const mb = (b) => (b / 1048576).toFixed(2);
	console.log(`engine: ${process.env.KITSU_ENGINE_BIN}`);
	console.log(`first complete Overview paint: median ${median(paints.map((p) => p.complete_ms)).toFixed(0)} ms of 5 (first contentful paint ${median(paints.map((p) => p.fcp_ms ?? 0)).toFixed(0)} ms)`);
	console.log(`live feed: ${live.sent} events posted in ${live.seconds.toFixed(1)} s (${(live.sent / live.seconds).toFixed(0)}/s), ${live.received} shown by the page (mode: ${live.mode})`);
	console.log(`frames: ${live.frames} rendered, ${live.dropped} dropped (60 Hz budget), longest gap ${live.longest.toFixed(0)} ms`);
	console.log(`JS heap after GC: ${mb(live.heapBefore)} MB before, ${mb(live.heapAfter)} MB after (${live.heapAfter >= live.heapBefore ? '+' : ''}${mb(live.heapAfter - live.heapBefore)} MB)`);
	console.log(`bundle: ${(bundle.raw / 1024).toFixed(0)} KB of JS, ${(bundle.gzipped / 1024).toFixed(1)} KB gzipped`);
} finally {
	await browser.close();
	await engine.stop();
}
