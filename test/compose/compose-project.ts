/**
 * One docker-compose project of the repository's docker-compose.yml, for the compose tests: its own project
 * name, network name, subnet and published ports (so that it collides with nothing else on the engine), run
 * with the images CI builds from this host (scripts/compose-images/) instead of the public ones, and taken
 * down with everything it made — containers, the function containers its workers started, its network and
 * volumes — whatever state it is in.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { freePort } from "../../bench/redis-server.js";
import { inSubnet } from "../../runtime/sandbox/docker/own-address.js";
import { COMPOSE_IMAGE_VARIABLES } from "../../scripts/compose-images/build-all.js";
import { PACKAGE_ROOT } from "../support/run-lambkin.js";

export const COMPOSE_FILE = join(PACKAGE_ROOT, "docker-compose.yml");
/** The Lambkin image the tests build (docker/Dockerfile FROM the CI base); kept between runs as a cache. */
export const TEST_LAMBKIN_IMAGE = "lambkin-ci/lambkin:local";
const PROJECT_LABEL = "com.docker.compose.project";
const SERVICE_LABEL = "com.docker.compose.service";

export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/** A /24 in 172.31.240.0–172.31.255.0 that no network of the engine and no interface of this host uses. */
async function freeSubnet(docker: Docker): Promise<{ subnet: string; gatewayIp: string }> {
  const networks = (await docker.listNetworks()) as { IPAM?: { Config?: { Subnet?: string }[] } }[];
  const taken = networks.flatMap((network) =>
    (network.IPAM?.Config ?? []).map((config) => config.Subnet ?? ""),
  );
  const addresses = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === "IPv4")
    .map((entry) => entry.address);
  const thirds = [...Array(16).keys()].map((k) => 240 + k).sort(() => Math.random() - 0.5);
  for (const third of thirds) {
    const subnet = `172.31.${third}.0/24`;
    const base = `172.31.${third}.0`;
    const overlaps = taken.some(
      (other) =>
        other.includes(".") && (inSubnet(base, other) || inSubnet(other.split("/")[0] ?? "", subnet)),
    );
    if (!overlaps && !addresses.some((address) => inSubnet(address, subnet)))
      return { subnet, gatewayIp: `172.31.${third}.10` };
  }
  throw new Error("no free /24 in 172.31.240.0/20 for the compose network");
}

/** `docker-compose` (1.29, Debian's package), else Compose v2's `docker compose`. */
function composeCommand(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile("docker-compose", ["version"], (error) =>
      resolve(error ? ["docker", "compose"] : ["docker-compose"]),
    );
  });
}

export class ComposeProject {
  private constructor(
    readonly docker: Docker,
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
    readonly ports: {
      readonly gateway: number;
      readonly dynamodb: number;
      readonly smtp: number;
      readonly mailUi: number;
    },
    private readonly command: string[],
  ) {}

  static async create(docker: Docker): Promise<ComposeProject> {
    const name = `lkcompose${randomBytes(4).toString("hex")}`;
    const { subnet, gatewayIp } = await freeSubnet(docker);
    const ports = {
      gateway: await freePort(),
      dynamodb: await freePort(),
      smtp: await freePort(),
      mailUi: await freePort(),
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...COMPOSE_IMAGE_VARIABLES,
      LAMBKIN_IMAGE: TEST_LAMBKIN_IMAGE,
      LAMBKIN_NETWORK: name,
      LAMBKIN_SUBNET: subnet,
      LAMBKIN_GATEWAY_IP: gatewayIp,
      LAMBKIN_PUBLISH_ADDRESS: "127.0.0.1",
      LAMBKIN_PORT: String(ports.gateway),
      LAMBKIN_S3_HOST_PORT: String(await freePort()),
      DYNAMODB_PORT: String(ports.dynamodb),
      MAILPIT_SMTP_PORT: String(ports.smtp),
      MAILPIT_UI_PORT: String(ports.mailUi),
    };
    return new ComposeProject(docker, name, env, ports, await composeCommand());
  }

  /** Runs a compose command on this project; resolves with its exit code and its output (both streams). */
  run(args: readonly string[], timeoutMs = 15 * 60_000): Promise<CommandResult> {
    const [file, ...prefix] = this.command;
    return new Promise((resolve) => {
      execFile(
        file ?? "docker-compose",
        [...prefix, "-f", COMPOSE_FILE, "-p", this.name, ...args],
        { cwd: PACKAGE_ROOT, env: this.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, output: `${stdout}${stderr}` });
        },
      );
    });
  }

  async runOrThrow(args: readonly string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0)
      throw new Error(
        `${this.command.join(" ")} ${args.join(" ")} exited ${result.code}:\n${result.output.slice(-6000)}`,
      );
    return result.output;
  }

  /** This project's containers of one service (stopped ones included). */
  async containers(service: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: { label: [`${PROJECT_LABEL}=${this.name}`, `${SERVICE_LABEL}=${service}`] },
    });
  }

  /** What a container wrote (stdout and stderr, the engine's log). */
  async logsOf(id: string): Promise<string> {
    const buffer = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true })) as Buffer;
    return demux(buffer);
  }

  /** Function containers on this project's network (the workers start them through the engine). */
  async functionContainers(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: { network: [this.name], label: ["lambkin.managed=true"] },
    });
  }

  /**
   * `down -v`, then whatever is still there: function containers of a worker that was killed before it
   * removed them (they keep the network in use), the network, the volumes. Never throws.
   */
  async destroy(): Promise<string> {
    const down = await this.run(["down", "-v", "--remove-orphans", "--timeout", "60"], 5 * 60_000).catch(
      (error: Error) => ({ code: 1, output: error.message }),
    );
    const leftovers = await this.docker
      .listContainers({ all: true, filters: { network: [this.name] } })
      .catch(() => []);
    const owned = await this.docker
      .listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${this.name}`] } })
      .catch(() => []);
    await Promise.all(
      [...leftovers, ...owned].map((container) =>
        this.docker
          .getContainer(container.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    const networks = (await this.docker.listNetworks({ filters: { name: [this.name] } }).catch(() => [])) as {
      Id: string;
      Name: string;
    }[];
    for (const network of networks.filter((candidate) => candidate.Name === this.name))
      await this.docker
        .getNetwork(network.Id)
        .remove()
        .catch(() => undefined);
    const volumes = await this.docker
      .listVolumes({ filters: { label: [`${PROJECT_LABEL}=${this.name}`] } })
      .catch(() => ({ Volumes: [] }));
    for (const volume of volumes.Volumes ?? [])
      await this.docker
        .getVolume(volume.Name)
        .remove()
        .catch(() => undefined);
    return down.output;
  }

  /** What is left of this project on the engine (for the test that cleanup worked). */
  async remains(): Promise<{ containers: number; networks: number; volumes: number }> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${PROJECT_LABEL}=${this.name}`] },
    });
    const onNetwork = await this.docker.listContainers({ all: true, filters: { network: [this.name] } });
    const networks = (
      (await this.docker.listNetworks({ filters: { name: [this.name] } })) as { Name: string }[]
    ).filter((network) => network.Name === this.name);
    const volumes = await this.docker.listVolumes({ filters: { label: [`${PROJECT_LABEL}=${this.name}`] } });
    return {
      containers: containers.length + onNetwork.length,
      networks: networks.length,
      volumes: (volumes.Volumes ?? []).length,
    };
  }
}

/**
 * docker/Dockerfile's build stage (labelled lambkin.image-stage=build) stays as an unnamed image, the
 * cache of its `npm ci`. Keeps the newest, removes older ones, which each rebuild would otherwise pile up.
 */
export async function removeOlderBuildStages(docker: Docker): Promise<void> {
  const stages = await docker.listImages({
    filters: { dangling: ["true"], label: ["lambkin.image-stage=build"] },
  });
  const older = stages.sort((a, b) => b.Created - a.Created).slice(1);
  for (const image of older)
    await docker
      .getImage(image.Id)
      .remove()
      .catch(() => undefined);
}

/** The engine's multiplexed log stream (8-byte frame headers) as text; a TTY container's is plain. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (type === undefined || type > 2 || offset + 8 + size > buffer.length) return buffer.toString("utf8");
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
