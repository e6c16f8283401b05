/** Shapes of the engine's answers, as agreed between the engine's issues. */

export interface StoredEvent {
	id: number;
	type: string;
	ts: string;
	source: string | null;
	payload: Record<string, unknown>;
}

export interface GpuDevice {
	index: number;
	name: string | null;
	temperature_c: number | null;
	utilization_pct: number | null;
	memory_used_mb: number | null;
	memory_total_mb: number | null;
	memory_free_mb: number | null;
	memory_pct: number | null;
	fan_speed_pct: number | null;
	power_w: number | null;
	encoder_pct?: number | null;
	decoder_pct?: number | null;
	power_limit_w?: number | null;
	throttle_reasons?: string[] | null;
	processes?: GpuProcess[] | null;
}

export interface GpuProcess {
	gpu_index: number;
	pid: number;
	name: string | null;
	used_memory_mb: number | null;
}

export interface GpuStatus {
	available: boolean;
	reason: string | null;
	source: 'nvml' | 'simulated' | 'off';
	sampled_at: string | null;
	devices: GpuDevice[];
	processes: GpuProcess[];
}

export interface SeriesBucket {
	start: string;
	count: number;
	avg: number | null;
	min: number | null;
	max: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
}

export interface SeriesAnswer {
	type: string;
	field: string;
	window_seconds: number;
	bucket_seconds: number;
	series: { key: string | null; buckets: SeriesBucket[] }[];
}

export interface FieldStats {
	avg: number;
	min: number;
	max: number;
	p50?: number;
	p95?: number;
	p99?: number;
}

export interface LatestMetrics {
	window_seconds: number;
	metrics: Record<string, { count: number; failures: number } & Record<string, unknown>>;
}

export interface LogLine {
	service: string;
	ts: string | null;
	level: string | null;
	message: string;
	data: unknown;
}

export interface EngineHealth {
	status: string;
	gpu?: { available: boolean; reason: string | null };
	upstreams?: Record<string, unknown>;
}
