// Global setup of the docker conformance project: the runtime images must exist and carry this
// checkout's Node bootstrap. Built offline (from this host) when they do not: no registry needed.
import { connectDocker } from "../../../runtime/sandbox/docker/docker-engine.js";
import { ensureRuntimeImages } from "../../../runtime/sandbox/docker/images/ensure-images.js";

export default async function setup(): Promise<void> {
  const built = await ensureRuntimeImages(connectDocker(), { offline: true });
  for (const image of built) console.log(`docker runtime images ${image.status}: ${image.tags.join(", ")}`);
}
