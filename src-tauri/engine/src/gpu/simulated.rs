//! A simulated streaming PC's GPU, for the demo and for trying the dashboard without NVIDIA.
//!
//! One RTX 4070 Ti SUPER runs the Kitsu stack: the LLM policy worker loads the core in bursts
//! each time it answers, OBS keeps NVENC busy, VTube Studio renders the avatar. Values move
//! smoothly with time (temperature follows load with lag, power follows load, the power limit
//! throttles the peaks) plus a little deterministic noise, so charts look like a real session.

use std::time::{Duration, Instant};

use super::{CallStats, FastReading, GpuError, GpuProcess, GpuSource, SlowReading};

const TOTAL_MB: f64 = 16_376.0;
const POWER_LIMIT_W: f64 = 285.0;
/// The processes of the simulated stack, with their base VRAM in MiB.
const PROCESSES: &[(u32, &str, f64)] = &[
    (3120, "python (policy_worker)", 7_340.0),
    (3188, "python (tts_worker)", 1_210.0),
    (2764, "obs", 486.0),
    (2931, "VTube Studio", 912.0),
];

/// The simulated GPU. Its clock starts when it is created.
#[derive(Debug)]
pub struct SimulatedGpu {
    started: Instant,
    temperature_c: f64,
    noise: u64,
}

impl Default for SimulatedGpu {
    fn default() -> Self {
        SimulatedGpu {
            started: Instant::now(),
            temperature_c: 52.0,
            noise: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

impl SimulatedGpu {
    /// Uniform noise in `-1..1`, from a fixed-seed generator.
    fn jitter(&mut self) -> f64 {
        self.noise = self
            .noise
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.noise >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// Core load at `t` seconds: a steady base (avatar, encoder) and an LLM burst every 14 s.
    fn load_at(&mut self, t: f64) -> f64 {
        let burst_phase = t % 14.0;
        let burst = if burst_phase < 3.5 {
            55.0 * (1.0 - burst_phase / 3.5)
        } else {
            0.0
        };
        let wave = 6.0 * (t / 45.0).sin();
        (28.0 + burst + wave + 3.0 * self.jitter()).clamp(0.0, 100.0)
    }

    fn reading_at(&mut self, elapsed: Duration) -> FastReading {
        let t = elapsed.as_secs_f64();
        let load = self.load_at(t);
        let target = 45.0 + load * 0.33;
        self.temperature_c += (target - self.temperature_c) * 0.08;
        let power = (38.0 + load * 2.6 + 4.0 * self.jitter()).min(POWER_LIMIT_W);
        let used = PROCESSES.iter().map(|p| p.2).sum::<f64>() + 880.0 + 64.0 * (t / 30.0).sin();
        let throttled = power >= POWER_LIMIT_W * 0.97;
        FastReading {
            index: 0,
            device_error: None,
            name: Some("NVIDIA GeForce RTX 4070 Ti SUPER".into()),
            temperature_c: Some(round1(self.temperature_c)),
            utilization_pct: Some(load.round()),
            memory_used_mb: Some(round1(used)),
            memory_total_mb: Some(TOTAL_MB),
            memory_free_mb: Some(round1(TOTAL_MB - used)),
            power_w: Some(round1(power)),
            power_limit_w: Some(POWER_LIMIT_W),
            encoder_pct: Some((19.0 + 4.0 * self.jitter()).round()),
            decoder_pct: Some(0.0),
            clock_graphics_mhz: Some((2_310.0 + load * 3.9).round()),
            clock_memory_mhz: Some(10_501.0),
            throttle_reasons: Some(if throttled {
                vec!["sw_power_cap".into()]
            } else {
                vec![]
            }),
        }
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl GpuSource for SimulatedGpu {
    fn kind(&self) -> &'static str {
        "simulated"
    }

    fn read_fast(&mut self, calls: &CallStats) -> Result<Vec<FastReading>, GpuError> {
        let started = Instant::now();
        let reading = self.reading_at(self.started.elapsed());
        calls.record("simulated_fast", started.elapsed(), false);
        Ok(vec![reading])
    }

    fn read_slow(&mut self, calls: &CallStats) -> Result<Vec<SlowReading>, GpuError> {
        let started = Instant::now();
        let fan = 30.0 + (self.temperature_c - 45.0).max(0.0) * 1.6;
        let processes = PROCESSES
            .iter()
            .map(|&(pid, name, base_mb)| GpuProcess {
                gpu_index: 0,
                pid,
                name: Some(name.into()),
                used_memory_mb: Some(round1(base_mb + 16.0 * self.jitter())),
            })
            .collect();
        calls.record("simulated_slow", started.elapsed(), false);
        Ok(vec![SlowReading {
            index: 0,
            fan_speed_pct: Some(fan.round().min(100.0)),
            processes: Some(processes),
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_readings_stay_plausible_over_a_long_session() {
        let mut gpu = SimulatedGpu::default();

        for second in 0..3_600 {
            let r = gpu.reading_at(Duration::from_secs(second));

            let temperature = r
                .temperature_c
                .expect("the simulation always has a temperature");
            assert!(
                (40.0..=90.0).contains(&temperature),
                "temperature {temperature} at {second} s"
            );
            let power = r.power_w.expect("the simulation always has power");
            assert!(
                power > 0.0 && power <= POWER_LIMIT_W,
                "power {power} at {second} s"
            );
            let (used, free) = (r.memory_used_mb.unwrap(), r.memory_free_mb.unwrap());
            assert!(
                (used + free - TOTAL_MB).abs() < 0.2,
                "used and free add up to the total"
            );
        }
    }

    #[test]
    fn the_simulated_stack_lists_its_workers_on_the_slow_tier() {
        let mut gpu = SimulatedGpu::default();

        let slow = gpu.read_slow(&CallStats::default()).unwrap();

        let names: Vec<_> = slow[0]
            .processes
            .as_ref()
            .unwrap()
            .iter()
            .filter_map(|p| p.name.clone())
            .collect();
        assert!(
            names.contains(&"python (policy_worker)".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"obs".to_string()), "{names:?}");
    }
}
