/**
 * Latency per pipeline stage against the project's gates. Percentiles over the whole window come
 * from `GET /metrics/series` with one bucket as wide as the window; the charts from the same
 * route with 60 buckets. Without that route, the view falls back to `GET /metrics/latest`, which
 * knows all stages together only, and says so.
 */
import type { ApiResult, LatestMetrics, SeriesAnswer, SeriesBucket, StoredEvent } from '$lib/api';
import type { EngineConnection } from './engine.svelte';
import { isTurnStage } from './orchestrator.svelte';

export interface Gates {
	medianMs: number;
	p95Ms: number;
}

export interface StageRow {
	stage: string;
	count: number;
	p50: number | null;
	p95: number | null;
	p99: number | null;
	turn: boolean;
	/** Combined from several buckets (the window straddled bucket edges): p50 is the
	 * count-weighted mean of the buckets' medians, p95/p99 the worst bucket's. */
	approximate?: boolean;
}

export type GateTone = 'ok' | 'warn' | 'bad' | 'off';

const GATES_KEY = 'kitsu.latencyGates';
export const DEFAULT_GATES: Gates = { medianMs: 1200, p95Ms: 1800 };

/** Red over a gate, amber within 85 % of it, green under; no data is grey, never green. */
export function gateTone(row: Pick<StageRow, 'p50' | 'p95'>, gates: Gates): GateTone {
	if (row.p50 === null || row.p95 === null) return 'off';
	if (row.p50 > gates.medianMs || row.p95 > gates.p95Ms) return 'bad';
	if (row.p50 > 0.85 * gates.medianMs || row.p95 > 0.85 * gates.p95Ms) return 'warn';
	return 'ok';
}

export class LatencyBoard {
	windowSeconds = $state(900);
	gates = $state<Gates>(loadGates());
	rows = $state.raw<StageRow[]>([]);
	rowsSource = $state<'series' | 'latest' | null>(null);
	rowsError = $state<string | null>(null);
	chart = $state.raw<{ keys: string[]; data: (number | null)[][] } | null>(null);
	chartError = $state<string | null>(null);
	soak = $state.raw<ApiResult<StoredEvent[]> | null>(null);
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor(private readonly connection: EngineConnection) {}

	start(): () => void {
		void this.refresh();
		this.timer = setInterval(() => this.refresh(), 5000);
		return () => clearInterval(this.timer);
	}

	saveGates(): void {
		localStorage.setItem(GATES_KEY, JSON.stringify(this.gates));
	}

	async refresh(): Promise<void> {
		await Promise.all([this.loadRows(), this.loadChart(), this.loadSoak()]);
	}

	private series(bucketSeconds: number) {
		return this.connection.client.get<SeriesAnswer>('/metrics/series', {
			type: 'pipeline.metric',
			field: 'latency_ms',
			window_seconds: this.windowSeconds,
			bucket_seconds: bucketSeconds,
			split_by: 'stage'
		});
	}

	private async loadRows(): Promise<void> {
		const answer = await this.series(this.windowSeconds);
		if (answer.ok) {
			this.rows = sortRows(answer.data.series.map(rowOfSeries));
			this.rowsSource = 'series';
			this.rowsError = null;
			return;
		}
		this.rowsError = answer.reason;
		await this.loadLatestFallback();
	}

	private async loadLatestFallback(): Promise<void> {
		const window = Math.min(7200, Math.max(60, this.windowSeconds));
		const answer = await this.connection.client.get<LatestMetrics>('/metrics/latest', {
			window_seconds: window
		});
		const metric = answer.ok ? answer.data.metrics['pipeline.metric'] : undefined;
		const field = metric?.latency_ms as { p50?: number; p95?: number; p99?: number } | undefined;
		this.rowsSource = answer.ok ? 'latest' : null;
		this.rows = field
			? [
					{
						stage: 'all stages',
						count: metric!.count,
						p50: field.p50 ?? null,
						p95: field.p95 ?? null,
						p99: field.p99 ?? null,
						turn: false
					}
				]
			: [];
	}

	private async loadChart(): Promise<void> {
		const answer = await this.series(Math.max(1, Math.round(this.windowSeconds / 60)));
		if (!answer.ok) {
			this.chartError = answer.reason;
			this.chart = null;
			return;
		}
		this.chartError = null;
		this.chart = alignP95(answer.data);
	}

	private async loadSoak(): Promise<void> {
		const client = this.connection.client;
		const answer = await client.get<StoredEvent[]>('/soak/results', { limit: 20 });
		// Older engines lack /soak/results; the same events are in GET /events.
		this.soak =
			answer.ok || answer.status !== 404
				? answer
				: await client.get<StoredEvent[]>('/events', { type: 'soak.result', limit: 20 });
	}
}

export function rowOfSeries(series: SeriesAnswer['series'][number]): StageRow {
	const stage = series.key ?? '(no stage)';
	const buckets = series.buckets.filter((b) => b.count > 0);
	const count = buckets.reduce((sum, b) => sum + b.count, 0);
	const worst = (pick: (b: SeriesBucket) => number | null) => {
		const values = buckets.map(pick).filter((v): v is number => v !== null);
		return values.length ? Math.max(...values) : null;
	};
	const weighted = buckets.filter((b) => b.p50 !== null);
	const p50 = weighted.length
		? weighted.reduce((sum, b) => sum + b.p50! * b.count, 0) /
			weighted.reduce((sum, b) => sum + b.count, 0)
		: null;
	return {
		stage,
		count,
		p50: buckets.length === 1 ? buckets[0].p50 : p50,
		p95: worst((b) => b.p95),
		p99: worst((b) => b.p99),
		turn: isTurnStage(stage),
		approximate: buckets.length > 1
	};
}

function sortRows(rows: StageRow[]): StageRow[] {
	return rows.sort((a, b) => Number(b.turn) - Number(a.turn) || a.stage.localeCompare(b.stage));
}

/** One p95 line per stage on a shared time axis, gaps where a stage has no bucket. */
function alignP95(answer: SeriesAnswer): { keys: string[]; data: (number | null)[][] } {
	const times = [
		...new Set(answer.series.flatMap((s) => s.buckets.map((b) => Date.parse(b.start) / 1000)))
	].sort((a, b) => a - b);
	const index = new Map(times.map((t, i) => [t, i]));
	const lines = answer.series.map((s) => {
		const line: (number | null)[] = times.map(() => null);
		for (const b of s.buckets) line[index.get(Date.parse(b.start) / 1000)!] = b.p95;
		return line;
	});
	return { keys: answer.series.map((s) => s.key ?? '(no stage)'), data: [times, ...lines] };
}

function loadGates(): Gates {
	try {
		const saved = JSON.parse(localStorage.getItem(GATES_KEY) ?? 'null');
		if (saved && Number.isFinite(saved.medianMs) && Number.isFinite(saved.p95Ms)) return saved;
	} catch {
		// A broken saved value falls back to the project's gates.
	}
	return { ...DEFAULT_GATES };
}
