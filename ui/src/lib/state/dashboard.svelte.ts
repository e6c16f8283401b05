/** The page-wide state, created once: the engine link, live feed, orchestrator and GPUs. */
import { engine, type EngineConnection } from './engine.svelte';
import { GpuMonitor } from './gpu.svelte';
import { LiveFeed } from './live-feed.svelte';
import { OrchestratorLink } from './orchestrator.svelte';

export interface Dashboard {
	engine: EngineConnection;
	feed: LiveFeed;
	orchestrator: OrchestratorLink;
	gpu: GpuMonitor;
}

let instance: Dashboard | undefined;

/** The shared state; the first call starts the polls and streams. */
export function dashboard(): Dashboard {
	if (instance) return instance;
	const connection = engine();
	const feed = new LiveFeed(connection);
	instance = {
		engine: connection,
		feed,
		orchestrator: new OrchestratorLink(connection),
		gpu: new GpuMonitor(connection, feed)
	};
	connection.start();
	void feed.start();
	instance.orchestrator.start();
	void instance.gpu.start();
	return instance;
}
