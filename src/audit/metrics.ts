/** The audit's Prometheus metrics, on the manager's registry so /metrics serves them. */
import { Gauge, type Registry } from "prom-client";
import type { AuditReport } from "./scan.ts";
import { auditScore } from "./score.ts";
import { summarize } from "./status.ts";

type FindingLabels = "cluster" | "namespace" | "check" | "severity" | "mode";

/**
 * kaika_audit_findings{cluster,namespace,check,severity,mode}: findings of the last audit (off
 * ones too: exempted and opted-out findings stay visible); kaika_audit_objects{cluster},
 * kaika_audit_last_run_timestamp_seconds{cluster}, kaika_audit_duration_seconds{cluster}, and
 * kaika_audit_score{cluster} (0–100, as the dashboard shows it; Prometheus keeps its trend).
 * `cluster` is "" (so absent) for the cluster kaika runs in, the Cluster's name for a fleet member.
 */
export class AuditMetrics {
  readonly findings: Gauge<FindingLabels>;
  readonly objects: Gauge<"cluster">;
  readonly lastRun: Gauge<"cluster">;
  readonly duration: Gauge<"cluster">;
  readonly score: Gauge<"cluster">;
  // The label sets each cluster reported last, so series that went away are removed.
  readonly #series = new Map<string, Map<string, Record<FindingLabels, string>>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.findings = new Gauge({
      name: "kaika_audit_findings",
      help: "Readiness findings of the last audit of live objects, by namespace, check, severity and policy mode",
      labelNames: ["cluster", "namespace", "check", "severity", "mode"] as const,
      registers,
    });
    this.objects = new Gauge({
      name: "kaika_audit_objects",
      help: "Objects checked by the last audit",
      labelNames: ["cluster"] as const,
      registers,
    });
    this.lastRun = new Gauge({
      name: "kaika_audit_last_run_timestamp_seconds",
      help: "When the last audit started, in seconds since the Unix epoch",
      labelNames: ["cluster"] as const,
      registers,
    });
    this.duration = new Gauge({
      name: "kaika_audit_duration_seconds",
      help: "How long the last audit took",
      labelNames: ["cluster"] as const,
      registers,
    });
    this.score = new Gauge({
      name: "kaika_audit_score",
      help: "Readiness score of the cluster's live objects at the last audit, 0 to 100",
      labelNames: ["cluster"] as const,
      registers,
    });
  }

  /** Replaces the cluster's series with those of `report`. */
  record(report: AuditReport, cluster = ""): void {
    const counts = new Map<string, { labels: Record<FindingLabels, string>; n: number }>();
    for (const f of report.findings) {
      const labels = { cluster, namespace: f.namespace, check: f.check, severity: f.severity, mode: f.mode };
      const key = JSON.stringify(labels);
      const entry = counts.get(key) ?? { labels, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    for (const [key, labels] of this.#series.get(cluster) ?? []) if (!counts.has(key)) this.findings.remove(labels);
    for (const { labels, n } of counts.values()) this.findings.set(labels, n);
    this.#series.set(cluster, new Map([...counts].map(([key, { labels }]) => [key, labels])));
    this.objects.set(
      { cluster },
      [...report.objects.values()].reduce((a, b) => a + b, 0),
    );
    this.lastRun.set({ cluster }, report.startTime.getTime() / 1000);
    this.duration.set({ cluster }, report.durationSeconds);
    this.score.set({ cluster }, auditScore(summarize(report, "*")));
  }
}
