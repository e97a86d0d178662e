// Renders deploy/ from its one source of truth: the CRDs from the TypeBox types into the
// chart's crds/, then the chart with its default values into deploy/kustomize.
// test/deploy.test.ts fails when the committed files differ. Run: scripts/with-node node scripts/render-deploy.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chartCrdsFile, deployDir } from "../src/install/chart.ts";
import { kustomizeBase } from "../src/install/kustomize-base.ts";

writeFileSync(join(deployDir, "chart", "crds", "kaika.yaml"), chartCrdsFile());
for (const [name, text] of Object.entries(await kustomizeBase()))
  writeFileSync(join(deployDir, "kustomize", name), text);
process.stdout.write("deploy/chart/crds and deploy/kustomize rendered\n");
