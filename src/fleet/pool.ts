/**
 * Bounded concurrency for work on clusters: at most `overall` jobs at once,
 * and at most `perCluster` on any one cluster, so a slow cluster holds only
 * its own slots and never the whole fleet's.
 */

interface Job {
  readonly cluster: string;
  readonly run: () => Promise<void>;
}

/** Runs jobs first-in first-out within the two limits. */
export class ClusterWorkPool {
  readonly #overall: number;
  readonly #perCluster: number;
  readonly #waiting: Job[] = [];
  readonly #running = new Map<string, number>();
  #total = 0;

  constructor(options: { overall?: number; perCluster?: number } = {}) {
    this.#overall = options.overall ?? 8;
    this.#perCluster = options.perCluster ?? 2;
  }

  /** Queues a job; its errors are the job's to handle (a rejected job only frees its slot). */
  submit(cluster: string, run: () => Promise<void>): void {
    this.#waiting.push({ cluster, run });
    this.#drain();
  }

  /** Jobs running now. */
  get running(): number {
    return this.#total;
  }

  #drain(): void {
    for (let i = 0; i < this.#waiting.length && this.#total < this.#overall; ) {
      const job = this.#waiting[i] as Job;
      if ((this.#running.get(job.cluster) ?? 0) >= this.#perCluster) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#start(job);
    }
  }

  #start(job: Job): void {
    this.#total++;
    this.#running.set(job.cluster, (this.#running.get(job.cluster) ?? 0) + 1);
    void job
      .run()
      .catch(() => {})
      .finally(() => {
        this.#total--;
        this.#running.set(job.cluster, (this.#running.get(job.cluster) ?? 1) - 1);
        this.#drain();
      });
  }
}
