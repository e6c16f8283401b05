/**
 * GPU readings: `GET /gpu/status` for what the engine samples now (or why it cannot), and a
 * history per device built from `hardware.gpu` events, the recent ones from `GET /events` and
 * then the live feed. When `/gpu/status` is unavailable the cards still show the last event, with
 * its age, and the reason.
 */
import type { ApiResult, GpuDevice, GpuStatus, StoredEvent } from '$lib/api';
import type { EngineConnection } from './engine.svelte';
import type { LiveFeed } from './live-feed.svelte';

const KEEP_POINTS = 1800;

export const GPU_FIELDS = [
	'temperature_c',
	'utilization_pct',
	'memory_pct',
	'power_w',
	'encoder_pct'
] as const;
export type GpuField = (typeof GPU_FIELDS)[number];

export interface GpuHistory {
	index: number;
	/** Seconds since the epoch, oldest first. */
	t: number[];
	values: Record<GpuField, (number | null)[]>;
	latest: GpuDevice;
	latestAt: number;
}

export class GpuMonitor {
	status = $state.raw<ApiResult<GpuStatus> | null>(null);
	devices = $state.raw<GpuHistory[]>([]);
	revision = $state(0);
	historyError = $state<string | null>(null);
	private byIndex = new Map<number, GpuHistory>();
	private started = false;

	constructor(
		private readonly connection: EngineConnection,
		private readonly feed: LiveFeed
	) {}

	async start(): Promise<void> {
		if (this.started) return;
		this.started = true;
		const poll = async () =>
			(this.status = await this.connection.client.get<GpuStatus>('/gpu/status'));
		void poll();
		setInterval(poll, 2000);
		const recent = await this.connection.client.get<StoredEvent[]>('/events', {
			type: 'hardware.gpu',
			limit: 500
		});
		if (recent.ok) this.add([...recent.data].reverse());
		else this.historyError = recent.reason;
		this.feed.subscribe((events) => this.add(events.filter((e) => e.type === 'hardware.gpu')));
	}

	private add(events: StoredEvent[]): void {
		if (events.length === 0) return;
		for (const event of events) this.record(event);
		this.devices = [...this.byIndex.values()].sort((a, b) => a.index - b.index);
		this.revision++;
	}

	private record(event: StoredEvent): void {
		const device = event.payload as unknown as GpuDevice;
		const index = typeof device.index === 'number' ? device.index : 0;
		const at = Date.parse(event.ts);
		let history = this.byIndex.get(index);
		if (!history) {
			history = { index, t: [], values: emptyValues(), latest: device, latestAt: at };
			this.byIndex.set(index, history);
		}
		if (history.t.length && at / 1000 < history.t[history.t.length - 1]) return;
		history.t.push(at / 1000);
		for (const field of GPU_FIELDS) history.values[field].push(reading(device, field));
		history.latest = device;
		history.latestAt = at;
		if (history.t.length > KEEP_POINTS) {
			history.t.splice(0, history.t.length - KEEP_POINTS);
			for (const field of GPU_FIELDS)
				history.values[field].splice(0, history.values[field].length - KEEP_POINTS);
		}
	}
}

function emptyValues(): Record<GpuField, (number | null)[]> {
	return Object.fromEntries(GPU_FIELDS.map((f) => [f, []])) as unknown as Record<
		GpuField,
		(number | null)[]
	>;
}

/** A reading, or null when the sampler reported none; VRAM % is derived when only MB are sent. */
function reading(device: GpuDevice, field: GpuField): number | null {
	const value = device[field];
	if (typeof value === 'number') return value;
	if (field === 'memory_pct' && device.memory_used_mb != null && device.memory_total_mb) {
		return (100 * device.memory_used_mb) / device.memory_total_mb;
	}
	return null;
}
