/**
 * The network environments join, and the address their Runtime API servers listen on.
 *
 * By default Lambkin creates a bridge network of its own, `lambkin`, with inter-container traffic
 * off: an environment reaches the host (its Runtime API, local services through
 * host.docker.internal) and the outside, but no other environment, as on Lambda. The Runtime API
 * servers listen on that bridge's gateway address — the host's own address on the bridge — rather
 * than 0.0.0.0, so that they are reachable from the host and its containers but not from the LAN;
 * Lambkin's gateway and admin API keep listening where they were told (127.0.0.1 by default), which
 * containers cannot reach. In compose, LAMBKIN_DOCKER_NETWORK names the compose network instead, and
 * LAMBKIN_DOCKER_RUNTIME_API_HOST the worker's own address on it.
 */
import type Docker from "dockerode";
import { statusOf, withDeadline } from "./docker-engine.js";
import { MANAGED_LABEL } from "./ownership.js";

export const DEFAULT_NETWORK = "lambkin";

export interface SandboxNetwork {
  readonly name: string;
  /** The host's address on the network: where Runtime API servers listen and environments call. */
  readonly gateway: string;
}

async function gatewayOf(docker: Docker, name: string): Promise<string | undefined> {
  const info = await withDeadline(docker.getNetwork(name).inspect(), `inspecting network ${name}`);
  const configs = ((info.IPAM?.Config ?? []) as { Gateway?: string; Subnet?: string }[]).filter(
    (config) => !config.Subnet?.includes(":"),
  );
  const explicit = configs.find((config) => config.Gateway)?.Gateway;
  // The default `bridge` network does not list its gateway: the engine gives it the subnet's first address.
  return explicit ?? firstAddress(configs[0]?.Subnet);
}

function firstAddress(subnet: string | undefined): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet ?? "");
  return match ? `${match[1]}.${match[2]}.${match[3]}.${Number(match[4]) + 1}` : undefined;
}

async function createDefaultNetwork(docker: Docker): Promise<void> {
  try {
    await withDeadline(
      docker.createNetwork({
        Name: DEFAULT_NETWORK,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: { [MANAGED_LABEL]: "true" },
        // Environments must not reach one another (Lambda isolates them).
        Options: { "com.docker.network.bridge.enable_icc": "false" },
      }),
      `creating network ${DEFAULT_NETWORK}`,
    );
  } catch (error) {
    if (statusOf(error) !== 409) throw error; // 409: another Lambkin created it first
  }
}

export async function resolveNetwork(docker: Docker, name: string | undefined): Promise<SandboxNetwork> {
  const network = name ?? DEFAULT_NETWORK;
  let gateway: string | undefined;
  try {
    gateway = await gatewayOf(docker, network);
  } catch (error) {
    if (statusOf(error) !== 404 || name !== undefined) throw error;
    await createDefaultNetwork(docker);
    gateway = await gatewayOf(docker, network);
  }
  if (!gateway)
    throw new Error(`the Docker network ${network} has no IPv4 gateway for the Runtime API to listen on`);
  return { name: network, gateway };
}
