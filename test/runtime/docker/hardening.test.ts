// Each docker environment is a hardened container (issue #4): the settings the engine applied, seen
// through `docker inspect`, and what the function can and cannot do from inside it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LambkinRuntime } from "../../../runtime/lambkin-runtime.js";
import type { DockerSandboxProvider } from "../../../runtime/sandbox/docker/docker-sandbox-provider.js";
import { docker, ensureImages, startDockerRuntime } from "./docker-test-runtime.js";

interface Probe {
  uid: number;
  gid: number;
  user: string;
  writeTask: string;
  writeRoot: string;
  writeTmp: string;
  tmpMount: { type: string; options: string };
  taskMount: string;
  bindMounts: string[];
  capEff: string;
  noNewPrivs: string;
  dockerSocket: boolean;
  pid1: string;
  hostGateway: string;
  loopbackService: string;
  gatewayService: string;
}

function listen(host: string): Promise<Server> {
  const server = createServer((_request, response) => response.end("admin"));
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe("docker environments are hardened", () => {
  let runtime: LambkinRuntime & { provider: DockerSandboxProvider };
  let probe: Probe;
  let loopback: Server;
  let onGateway: Server;

  beforeAll(async () => {
    await ensureImages();
    runtime = await startDockerRuntime("probe");
    // Where Lambkin's gateway listens by default (127.0.0.1), and a local service on every interface.
    loopback = await listen("127.0.0.1");
    onGateway = await listen("0.0.0.0");
    const result = await runtime.invoker.invoke(
      "probe",
      JSON.stringify({ loopbackPort: portOf(loopback), gatewayPort: portOf(onGateway) }),
    );
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    probe = JSON.parse(result.payload.toString());
  });
  afterAll(async () => {
    loopback?.close();
    onGateway?.close();
    await runtime?.close();
  });

  async function inspectEnvironment() {
    const [environment] = runtime.provider.environments();
    expect(environment).toBeDefined();
    return docker.getContainer(environment?.id ?? "").inspect();
  }

  it("docker inspect shows the limits and the hardening", async () => {
    const info = await inspectEnvironment();
    const host = info.HostConfig;
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.CapAdd ?? []).toEqual([]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(host.Privileged).toBe(false);
    expect(host.PidsLimit).toBe(1024);
    expect(host.Ulimits).toEqual([{ Name: "nofile", Soft: 1024, Hard: 1024 }]);
    expect(host.Memory).toBe(256 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory); // no swap
    expect(host.NanoCpus).toBe(Math.round((256 / 1769) * 1e9)); // 1,769 MB ≈ 1 vCPU
    expect(host.Init).toBe(true);
    expect(host.ExtraHosts).toEqual(["host.docker.internal:host-gateway"]);
    expect(host.Tmpfs).toEqual({ "/tmp": "rw,exec,nosuid,nodev,size=600m,mode=1777,uid=993,gid=990" });
    expect(host.Binds).toEqual([`${runtime.registry.resolve("probe")?.serviceDir}:/var/task:ro`]);
    // Attached by id: a name may be ambiguous on an engine (docker-network.ts).
    expect(host.NetworkMode).toBe((await docker.getNetwork("lambkin").inspect()).Id);
    expect(host.AutoRemove).toBe(true);
    expect(info.Config.User).toBe("993:990");
    expect(info.Config.Labels).toMatchObject({
      "lambkin.managed": "true",
      "lambkin.owner": runtime.provider.owner.id,
      "lambkin.function": "docker-probe-dev-probe",
    });
    // The code is the only host path inside; no Docker socket.
    expect(info.Mounts.map((mount) => mount.Destination)).toEqual(["/var/task"]);
    expect(info.Mounts[0]?.RW).toBe(false);
  });

  it("the function runs as the unprivileged sbx_user1051 with no capabilities and no way to gain any", () => {
    expect(probe).toMatchObject({ uid: 993, gid: 990, user: "sbx_user1051" });
    expect(probe.capEff).toBe("0000000000000000");
    expect(probe.noNewPrivs).toBe("1");
    expect(probe.pid1).toBe("/sbin/docker-init");
    expect(probe.dockerSocket).toBe(false);
  });

  it("/var/task and the root filesystem are read-only; /tmp is a writable tmpfs of ephemeralStorageSize", () => {
    expect(probe.writeTask).toBe("EROFS");
    expect(probe.writeRoot).toBe("EROFS");
    expect(probe.taskMount.split(",")).toContain("ro");
    expect(probe.writeTmp).toBe("ok");
    expect(probe.tmpMount.type).toBe("tmpfs");
    expect(probe.tmpMount.options).toContain(`size=${600 * 1024}k`);
    expect(probe.tmpMount.options).toMatch(/uid=993.*gid=990/);
  });

  it("reaches the host as host.docker.internal, but not what listens on the host's loopback", async () => {
    // host-gateway: the engine's default bridge address, as everywhere with Docker.
    const bridge = await docker.getNetwork("bridge").inspect();
    const subnet: string = bridge.IPAM?.Config?.[0]?.Subnet ?? "";
    expect(probe.hostGateway).toBe(subnet.replace(/\.0\/\d+$/, ".1"));
    expect(probe.gatewayService).toBe("connected");
    expect(probe.loopbackService).toBe("ECONNREFUSED");
  });

  it("the Runtime API listens on the sandbox network's gateway, not on every interface", () => {
    expect(runtime.sandbox.runtimeApiBindHost).toMatch(/^\d+\.\d+\.\d+\.1$/);
    expect(runtime.sandbox.runtimeApiBindHost).not.toBe("0.0.0.0");
  });
});
