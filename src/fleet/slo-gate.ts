/**
 * The SLO gate of a rollout wave: after its soak, the wave's clusters must
 * keep the burn rate of the chosen SLOs under the wave's maxBurnRate, as the
 * Prometheus evaluating kaika's SLO rules sees it (series carry a `cluster`
 * label). A failed gate is told to the notification receivers.
 */
import type { Notifier } from "../notify/index.ts";
import { checkBurnRate } from "../slo/index.ts";
import type { SloGate } from "./waves.ts";

export function sloGate(prometheusUrl: string, notifier?: Notifier): SloGate {
  return async (sync, wave, revision) => {
    const gate = wave.sloGate;
    if (!gate) return { ok: true, reason: "no gate" };
    // The highest short-window burn rate seen during the soak, per SLO and cluster.
    const over = `${Math.max(60, Math.ceil(wave.soakMs / 1000))}s`;
    const result = await checkBurnRate({
      prometheusUrl,
      ...(gate.services?.length ? { services: gate.services } : {}),
      selectorIn: { cluster: wave.clusters },
      threshold: gate.maxBurnRate,
      window: "5m",
      over,
    });
    if (!result.ok) {
      await notifier?.notify({
        type: "GateHalted",
        sync,
        wave: wave.name,
        revision,
        reason: result.reason,
        threshold: gate.maxBurnRate,
        burnRates: result.burnRates,
        rolledBack: gate.rollback === true,
      });
    }
    return { ok: result.ok, reason: result.reason };
  };
}
