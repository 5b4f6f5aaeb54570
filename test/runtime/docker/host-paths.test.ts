// The engine binds a function's code from ITS host. When Lambkin runs in a container of that engine
// (docker-compose.yml's workers), the code's path inside Lambkin's container is translated to the host path
// of the mount it is on; outside a container paths stay as they are; code on no mount is refused.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import { loadServices } from "../../../runtime/manifest/load-services.js";
import { planContainer } from "../../../runtime/sandbox/docker/container-plan.js";
import {
  discoverHostPaths,
  hostPathThrough,
  ownContainerId,
  SAME_PATHS,
} from "../../../runtime/sandbox/docker/host-paths.js";
import { runtimeImage } from "../../../runtime/sandbox/docker/images/runtime-images.js";
import { newOwner } from "../../../runtime/sandbox/docker/ownership.js";
import { DOCKER_FIXTURES, docker, ensureImages, removeContainer } from "./docker-test-runtime.js";

describe("hostPathThrough", () => {
  const through = hostPathThrough([
    { source: "/srv/repo/functions", destination: "/app/functions" },
    { source: "/var/lib/docker/volumes/x/_data", destination: "/app/functions/shared" },
    { source: "/srv/state", destination: "/var/lib/lambkin/" },
  ]);

  it("translates a path through the mount that holds it, the deepest one first", () => {
    expect(through("/app/functions")).toBe("/srv/repo/functions");
    expect(through("/app/functions/hello")).toBe("/srv/repo/functions/hello");
    expect(through("/app/functions/shared/lib")).toBe("/var/lib/docker/volumes/x/_data/lib");
    expect(through("/var/lib/lambkin/mail")).toBe("/srv/state/mail");
    expect(through("/app/functions/./hello/../greet")).toBe("/srv/repo/functions/greet");
  });

  it("has no answer for a path on no mount, even one that starts like a mount's", () => {
    expect(through("/app/functions2/hello")).toBeUndefined();
    expect(through("/app")).toBeUndefined();
    expect(through("/tmp/hello")).toBeUndefined();
  });
});

describe("ownContainerId", () => {
  it("is undefined on this host, which is no container of the engine", () => {
    expect(ownContainerId(readFileSync("/proc/self/mountinfo", "utf8"))).toBeUndefined();
  });

  it("ignores the engine's own mounts as the host sees them (a container's shm), which are not /etc files", () => {
    const id = "a".repeat(64);
    const hostLine = `812 29 0:53 / /var/lib/docker/containers/${id}/mounts/shm rw - tmpfs shm rw`;
    expect(ownContainerId(hostLine)).toBeUndefined();
  });
});

describe("in a real container of the engine", () => {
  const functions = join(DOCKER_FIXTURES, "probe");
  let containerId: string;
  let mountinfo: string;

  beforeAll(async () => {
    await ensureImages();
    // A container as compose makes a worker: the code folder mounted where it likes. Its own view of
    // its mounts (/proc/self/mountinfo) is read, while it still runs, by Lambkin here.
    const container = await docker.createContainer({
      Image: runtimeImage("provided.al2023"),
      User: "0:0",
      Entrypoint: ["/bin/bash", "-c", "cat /proc/self/mountinfo; exec sleep 120"],
      Labels: { "lambkin.test": "host-paths" },
      HostConfig: { Binds: [`${functions}:/app/functions/probe:ro`], AutoRemove: true },
    });
    containerId = container.id;
    await container.start();
    mountinfo = "";
    for (let attempt = 0; attempt < 200 && !mountinfo.includes("/app/functions/probe"); attempt++) {
      const logs = await container.logs({ stdout: true, stderr: false });
      mountinfo = logs.toString("utf8");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    if (containerId) await removeContainer(containerId);
  });

  it("finds its own id in its mountinfo", () => {
    expect(ownContainerId(mountinfo)).toBe(containerId);
  });

  it("hands the engine the host path of the code folder mounted into it", async () => {
    const hostPathOf = await discoverHostPaths(docker, mountinfo);
    expect(hostPathOf("/app/functions/probe")).toBe(functions);
    expect(hostPathOf("/app/functions/probe/probe.js")).toBe(join(functions, "probe.js"));
    expect(hostPathOf("/usr/lib")).toBeUndefined();
  });

  it("keeps paths as they are for a container this engine does not know (another engine's)", async () => {
    const stranger = mountinfo.replaceAll(containerId, randomBytes(32).toString("hex"));
    expect(await discoverHostPaths(docker, stranger)).toBe(SAME_PATHS);
  });

  it("keeps paths as they are outside any container", async () => {
    expect(await discoverHostPaths(docker, readFileSync("/proc/self/mountinfo", "utf8"))).toBe(SAME_PATHS);
  });
});

describe("the container plan", () => {
  const context = {
    owner: newOwner(),
    network: "none",
    engineCpus: 2,
    minCpus: 0,
    imageRepository: "lambkin/runtime",
  };
  let fn: FunctionDefinition;

  beforeAll(async () => {
    const loaded = await loadServices(join(DOCKER_FIXTURES, "probe"), { env: {} });
    const first = loaded.functions[0];
    if (!first) throw new Error("the probe fixture declares no function");
    fn = first;
  });

  it("binds the code from the engine's path for it", () => {
    const hostPathOf = hostPathThrough([{ source: "/srv/fn", destination: DOCKER_FIXTURES }]);
    const plan = planContainer(fn, { ...context, hostPathOf });
    expect(plan.options.HostConfig?.Binds).toEqual(["/srv/fn/probe:/var/task:ro"]);
  });

  it("binds the code where it is when Lambkin runs on the engine's host", () => {
    const plan = planContainer(fn, { ...context, hostPathOf: SAME_PATHS });
    expect(plan.options.HostConfig?.Binds).toEqual([`${fn.serviceDir}:/var/task:ro`]);
  });

  it("refuses code the engine cannot see, saying what to mount", () => {
    expect(() => planContainer(fn, { ...context, hostPathOf: () => undefined })).toThrow(
      expect.objectContaining({ code: "LKN_ERR_DOCKER_CODE_NOT_SHARED", errorType: "Sandbox.CodeNotShared" }),
    );
  });
});
